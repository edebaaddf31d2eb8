/// The engine's time: what "now" is and how to wait for a later instant. Key cooldowns, the response
/// cache's expiry, the limiter's queue wait, deadlines and retry backoffs all read it, so a test can run
/// them on a clock it moves by hand (`Switchboard(…, clock:)`) instead of the wall clock.
///
/// Instants are `ContinuousClock.Instant`s so that they mix with the rest of the process; a manual clock
/// hands out instants of its own choosing.
public protocol EngineClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (or at once when it has passed); throws `CancellationError` when the task is
    /// cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

/// The real clock.
public struct SystemClock: EngineClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}

extension EngineClock {
    func sleep(for duration: Duration) async throws { try await sleep(until: now.advanced(by: duration)) }
}
