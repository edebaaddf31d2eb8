import Synchronization
import SwitchboardConfig

/// Opens an adapter's stream and waits for its first chunk, so that the router can still fail over:
/// until a chunk exists nothing has reached the caller. The chunk must arrive before the call's
/// deadline (the first-token timeout); the rest of the stream flows on a pipe afterwards, and ends with a
/// timeout when the upstream sends nothing for `idleTimeout` (which also frees its connection).
///
/// The provider's slot (`lease`) is held while the upstream stream runs, and released when it ends:
/// finished, failed, timed out, or cancelled because the client went away.
enum StreamOpener {
    struct Opened: Sendable {
        var first: ChatChunk
        var rest: AsyncThrowingStream<ChatChunk, any Error>
    }

    static func open(
        _ adapter: any ProviderAdapter, _ call: AdapterCall, idleTimeout: Duration, lease: LimitLease? = nil
    ) async throws(UpstreamFailure) -> Opened {
        let upstream = try await adapter.stream(call)
        let lastChunk = LastChunk()
        let (firstSignal, firstContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let (rest, restContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let pump = Task {
            defer { lease?.release() }
            var isFirst = true
            do {
                for try await chunk in upstream {
                    lastChunk.mark()
                    if isFirst {
                        isFirst = false
                        firstContinuation.yield(chunk)
                        firstContinuation.finish()
                    } else {
                        restContinuation.yield(chunk)
                    }
                }
                if isFirst {
                    firstContinuation.finish(throwing: UpstreamFailure.malformed("the stream ended before any content"))
                }
                restContinuation.finish()
            } catch {
                let failure = UpstreamHTTP.failure(for: error)
                if isFirst { firstContinuation.finish(throwing: failure) }
                restContinuation.finish(throwing: failure)
            }
        }
        let timer = Task {
            try await Task.sleep(until: call.deadline, clock: .continuous)
            firstContinuation.finish(throwing: UpstreamFailure.transport(.timeout, "no first token before the attempt deadline"))
            pump.cancel()
        }
        let watchdog = Task {
            while true {
                let last = lastChunk.instant
                let due = (last ?? .now).advanced(by: idleTimeout)
                if last != nil, ContinuousClock.now >= due {
                    restContinuation.finish(throwing: UpstreamFailure.transport(
                        .timeout, "the upstream sent nothing for \(DurationParser.format(idleTimeout)) after the stream started"))
                    pump.cancel()
                    return
                }
                try await Task.sleep(until: due, clock: .continuous)
            }
        }
        restContinuation.onTermination = { termination in
            watchdog.cancel()
            if case .cancelled = termination { pump.cancel() }
        }
        do {
            for try await first in firstSignal {
                timer.cancel()
                return Opened(first: first, rest: rest)
            }
        } catch {
            timer.cancel()
            pump.cancel()
            watchdog.cancel()
            throw UpstreamHTTP.failure(for: error)
        }
        timer.cancel()
        pump.cancel()
        watchdog.cancel()
        throw .malformed("the stream ended before any content")
    }
}

/// When the last chunk of a stream arrived; nil until the first (the first-token timer covers that wait).
private final class LastChunk: Sendable {
    private let state = Mutex<ContinuousClock.Instant?>(nil)
    var instant: ContinuousClock.Instant? { state.withLock { $0 } }
    func mark() { state.withLock { $0 = .now } }
}
