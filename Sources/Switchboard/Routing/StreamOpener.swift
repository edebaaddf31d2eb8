import NIOCore
import Synchronization
import SwitchboardConfig

/// Opens an adapter's stream and waits for its first chunk, so that the router can still fail over:
/// until a chunk exists nothing has reached the caller. The chunk must arrive before the call's
/// deadline (the first-token timeout); the rest of the stream flows on a pipe afterwards, and ends with a
/// timeout when the upstream sends nothing for `idleTimeout` (which also frees its connection).
///
/// The provider's slot (`lease`) is held while the upstream stream runs, and released when it ends:
/// finished, failed, timed out, or cancelled because the client went away. An adapter that pushes its
/// chunks (`ChunkPushingAdapter`) feeds the sink from its event loop; any other is pumped by a task.
enum StreamOpener {
    struct Opened: Sendable {
        var first: ChatChunk
        var rest: AsyncThrowingStream<ChatChunk, any Error>
        /// Where the rest comes from, for a reader that takes it pushed (`ChunkSink.redirect`).
        var sink: ChunkSink
        /// Stops the upstream (the reader left).
        var stop: @Sendable () -> Void
    }

    static func open(
        _ adapter: any ProviderAdapter, _ call: AdapterCall, idleTimeout: Duration, lease: LimitLease? = nil,
        timers: EventLoopTimers
    ) async throws(UpstreamFailure) -> Opened {
        let watchdog = StreamWatchdog(idleTimeout: idleTimeout, timers: timers)
        let (firstSignal, firstContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let (rest, restContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let sink = ChunkSink(first: firstContinuation, rest: restContinuation, watchdog: watchdog, lease: lease)
        let stop = try await Self.start(adapter, call, into: sink)
        // The first-token timer, then the idle watchdog: timers on an event loop, not sleeping tasks.
        let timer = timers.schedule(at: call.deadline) {
            sink.finish(throwing: .transport(.timeout, "no first token before the attempt deadline"))
            stop()
        }
        watchdog.start {
            sink.finish(throwing: .transport(
                .timeout, "the upstream sent nothing for \(DurationParser.format(idleTimeout)) after the stream started"))
            stop()
        }
        restContinuation.onTermination = { termination in
            watchdog.stop()
            // The reader left: the slot is released and the upstream stopped. Not when the rest was handed
            // to a receiver: that is the reader now, and stops the upstream itself when it leaves.
            if case .cancelled = termination, sink.readerLeft() { stop() }
        }
        do {
            for try await first in firstSignal {
                timer.cancel()
                return Opened(first: first, rest: rest, sink: sink, stop: stop)
            }
        } catch {
            timer.cancel()
            stop()
            watchdog.stop()
            throw UpstreamHTTP.failure(for: error)
        }
        timer.cancel()
        stop()
        watchdog.stop()
        throw .malformed("the stream ended before any content")
    }

    /// Starts the upstream into `sink`: pushed by the adapter when it can, else pumped by a task. Returns
    /// how to stop it.
    private static func start(
        _ adapter: any ProviderAdapter, _ call: AdapterCall, into sink: ChunkSink
    ) async throws(UpstreamFailure) -> @Sendable () -> Void {
        if let pushing = adapter as? any ChunkPushingAdapter { return try await pushing.push(call, into: sink) }
        return sink.pump(try await adapter.stream(call))
    }
}

/// Ends a stream whose upstream went quiet: armed at the first chunk, it checks when the idle timeout
/// after the last chunk comes due, and re-arms for the new due time while chunks keep arriving (one timer
/// per idle period, not one per chunk).
final class StreamWatchdog: Sendable {
    private struct State {
        var lastChunk: ContinuousClock.Instant?
        var timer: Scheduled<Void>?
        var onIdle: (@Sendable () -> Void)?
        var stopped = false
    }

    private let idleTimeout: Duration
    private let timers: EventLoopTimers
    private let state = Mutex(State())

    init(idleTimeout: Duration, timers: EventLoopTimers) {
        self.idleTimeout = idleTimeout
        self.timers = timers
    }

    /// What to do when the stream goes idle; the clock starts at the first chunk.
    func start(onIdle: @escaping @Sendable () -> Void) {
        let arm = state.withLock { state -> ContinuousClock.Instant? in
            state.onIdle = onIdle
            return state.stopped ? nil : state.lastChunk
        }
        if let arm { schedule(at: arm.advanced(by: idleTimeout)) }
    }

    func chunkArrived() {
        let now = ContinuousClock.now
        let first = state.withLock { state -> Bool in
            defer { state.lastChunk = now }
            return state.lastChunk == nil && state.onIdle != nil && !state.stopped
        }
        if first { schedule(at: now.advanced(by: idleTimeout)) }
    }

    /// Disarms the watchdog and lets go of its action: the action holds the stream's sink, which holds
    /// this watchdog, and that cycle would keep every finished stream in memory.
    func stop() {
        let timer = state.withLock { state -> Scheduled<Void>? in
            state.stopped = true
            state.onIdle = nil
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
    }

    private func schedule(at due: ContinuousClock.Instant) {
        let timer = timers.schedule(at: due) { [self] in check() }
        let stale = state.withLock { state -> Scheduled<Void>? in
            guard !state.stopped else { return timer }
            defer { state.timer = timer }
            return state.timer
        }
        stale?.cancel()
    }

    private func check() {
        let (idle, due) = state.withLock { state -> ((@Sendable () -> Void)?, ContinuousClock.Instant?) in
            guard !state.stopped, let last = state.lastChunk else { return (nil, nil) }
            let due = last.advanced(by: idleTimeout)
            if ContinuousClock.now >= due {
                state.stopped = true
                defer { state.onIdle = nil }
                return (state.onIdle, nil)
            }
            return (nil, due)
        }
        if let idle { idle() }
        if let due { schedule(at: due) }
    }
}
