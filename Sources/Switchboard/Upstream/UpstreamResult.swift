import Synchronization

/// A result set once on an event loop and awaited by one task: the bridge between a consumer that
/// reads an answer on the connection's loop and the call that waits for it. The continuation is resumed
/// exactly once by construction (whoever finds the other side already there resumes it, under the lock),
/// so it need not be a checked one.
final class UpstreamResult<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, UpstreamFailure>?
        var continuation: UnsafeContinuation<Value, any Error>?
    }

    private let state = Mutex(State())

    /// Waits for the result (at once if it is already set).
    func value() async throws -> Value {
        try await withUnsafeThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Value, UpstreamFailure>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
        }
    }

    /// Sets the result; later calls are ignored.
    func resolve(_ result: Result<Value, UpstreamFailure>) {
        let continuation = state.withLock { state -> UnsafeContinuation<Value, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }
}
