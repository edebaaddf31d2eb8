import Synchronization

/// Where a streamed answer's chunks go as they arrive: the first to the attempt waiting for it (until it
/// exists the router can still fail over), the rest to the stream's reader.
///
/// Fed either by a task pumping an adapter's stream or, for an adapter that pushes
/// (`ChunkPushingAdapter`), straight from the connection's event loop: then a chunk reaches its reader
/// with no task in between. The first `finish` ends both streams and releases the provider's slot; what
/// comes after it is ignored.
package final class ChunkSink: Sendable {
    private struct State {
        var isFirst = true
        var finished = false
    }

    private let first: AsyncThrowingStream<ChatChunk, any Error>.Continuation
    private let rest: AsyncThrowingStream<ChatChunk, any Error>.Continuation
    private let watchdog: StreamWatchdog
    private let lease: LimitLease?
    private let state = Mutex(State())

    init(
        first: AsyncThrowingStream<ChatChunk, any Error>.Continuation,
        rest: AsyncThrowingStream<ChatChunk, any Error>.Continuation, watchdog: StreamWatchdog, lease: LimitLease?
    ) {
        self.first = first
        self.rest = rest
        self.watchdog = watchdog
        self.lease = lease
    }

    package func yield(_ chunk: ChatChunk) {
        let isFirst = state.withLock { state -> Bool? in
            guard !state.finished else { return nil }
            defer { state.isFirst = false }
            return state.isFirst
        }
        guard let isFirst else { return }
        watchdog.chunkArrived()
        if isFirst {
            first.yield(chunk)
            first.finish()
        } else {
            rest.yield(chunk)
        }
    }

    /// Feeds the sink from `upstream` in a task of its own (an adapter that does not push); returns a
    /// way to stop it.
    func pump(_ upstream: AsyncThrowingStream<ChatChunk, any Error>) -> @Sendable () -> Void {
        let task = Task {
            do {
                for try await chunk in upstream { yield(chunk) }
                finish()
            } catch {
                finish(throwing: UpstreamHTTP.failure(for: error))
            }
        }
        return { task.cancel() }
    }

    /// Ends the stream: cleanly without a failure (an answer with no chunk at all is still an error).
    package func finish(throwing failure: UpstreamFailure? = nil) {
        let wasFirst = state.withLock { state -> Bool? in
            guard !state.finished else { return nil }
            state.finished = true
            return state.isFirst
        }
        guard let wasFirst else { return }
        lease?.release()
        if wasFirst { first.finish(throwing: failure ?? .malformed("the stream ended before any content")) }
        if let failure { rest.finish(throwing: failure) } else { rest.finish() }
    }
}
