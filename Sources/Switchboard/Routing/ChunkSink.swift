import Synchronization

/// Where a streamed answer's chunks go as they arrive: the first to the attempt waiting for it (until it
/// exists the router can still fail over), the rest to the stream's reader.
///
/// Fed either by a task pumping an adapter's stream or, for an adapter that pushes
/// (`ChunkPushingAdapter`), straight from the connection's event loop: then a chunk reaches its reader
/// with no task in between. The first `finish` ends both streams and releases the provider's slot; what
/// comes after it is ignored.
///
/// A reader that can take chunks where they arrive (a channel handler) may have the rest pushed to it
/// instead (`redirect(to:consumed:)`): then not even the reader's task stands between upstream and client.
package final class ChunkSink: Sendable {
    private struct State {
        var isFirst = true
        var finished = false
        /// Chunks sent into the reader's stream so far.
        var sentToRest = 0
        var receiver: (any ChunkReceiver)?
    }

    private enum Destination {
        case first, rest
        case receiver(any ChunkReceiver)
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
        let destination = state.withLock { state -> Destination? in
            guard !state.finished else { return nil }
            if state.isFirst {
                state.isFirst = false
                return .first
            }
            if let receiver = state.receiver { return .receiver(receiver) }
            state.sentToRest += 1
            return .rest
        }
        guard let destination else { return }
        watchdog.chunkArrived()
        switch destination {
        case .first:
            first.yield(chunk)
            first.finish()
        case .rest:
            rest.yield(chunk)
        case .receiver(let receiver):
            receiver.receive(chunk)
        }
    }

    /// Sends every later chunk, and the end, to `receiver` (from wherever the sink is fed: the
    /// connection's event loop for a pushing adapter) instead of the reader's stream. Only once the
    /// reader has read all `consumed` chunks sent into that stream, so none is overtaken; false when some
    /// are still in it (read on and ask again), or the stream is over (read its end).
    package func redirect(to receiver: any ChunkReceiver, consumed: Int) -> Bool {
        state.withLock { state in
            guard Self.canRedirect(state, consumed: consumed) else { return false }
            state.receiver = receiver
            return true
        }
    }

    /// Whether `redirect(to:consumed:)` would hand over now.
    func canRedirect(consumed: Int) -> Bool {
        state.withLock { Self.canRedirect($0, consumed: consumed) }
    }

    private static func canRedirect(_ state: State, consumed: Int) -> Bool {
        !state.finished && !state.isFirst && state.receiver == nil && state.sentToRest == consumed
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

    /// The reader's stream was dropped or its task cancelled: ends the stream, unless its rest was handed
    /// to a receiver (which reads it now). Returns whether it ended it (then the upstream is to stop).
    func readerLeft() -> Bool {
        guard state.withLock({ $0.receiver == nil }) else { return false }
        finish()
        return true
    }

    /// Ends the stream: cleanly without a failure (an answer with no chunk at all is still an error).
    package func finish(throwing failure: UpstreamFailure? = nil) {
        let ending = state.withLock { state -> (wasFirst: Bool, receiver: (any ChunkReceiver)?)? in
            guard !state.finished else { return nil }
            state.finished = true
            return (state.isFirst, state.receiver)
        }
        guard let ending else { return }
        lease?.release()
        if ending.wasFirst { first.finish(throwing: failure ?? .malformed("the stream ended before any content")) }
        if let failure { rest.finish(throwing: failure) } else { rest.finish() }
        ending.receiver?.finish(throwing: failure)
    }
}

/// Takes a started stream's chunks where they arrive (see `ChunkSink.redirect(to:consumed:)`). Chunks come
/// one at a time, from the thread that feeds the sink; `finish` comes once, and may come from another
/// thread (a timeout) while a chunk is being handed over: a receiver ignores what comes after it.
package protocol ChunkReceiver: AnyObject, Sendable {
    func receive(_ chunk: ChatChunk)
    func finish(throwing failure: UpstreamFailure?)
}
