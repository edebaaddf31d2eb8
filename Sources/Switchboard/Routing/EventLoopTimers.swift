import NIOCore

/// Work scheduled at an instant on an event loop: a heap entry on a loop that is awake anyway, where a
/// sleeping task would cost a task, a dispatch timer and a thread wake-up. Used for attempt deadlines and
/// stream watchdogs, which are set on every request and nearly always cancelled.
struct EventLoopTimers: Sendable {
    let group: any EventLoopGroup

    /// Runs `work` on an event loop at `instant` (at once if it has passed) unless cancelled first.
    /// `any()` keeps to the calling thread's loop when the caller runs on one.
    @discardableResult
    func schedule(at instant: ContinuousClock.Instant, _ work: @escaping @Sendable () -> Void) -> Scheduled<Void> {
        group.any().scheduleTask(deadline: Self.nioDeadline(instant), work)
    }

    static func nioDeadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
        .now() + TimeAmount(max(.zero, ContinuousClock.now.duration(to: instant)))
    }
}
