/// A provider's concurrency limiter now: requests holding a slot, requests queued, and the limits.
public struct LimiterStatus: Sendable, Hashable {
    public var inFlight: Int
    public var waiting: Int
    /// The provider's `max_in_flight`; nil when only per-key limits are set.
    public var maxInFlight: Int?
    public var queueSize: Int

    public init(inFlight: Int, waiting: Int, maxInFlight: Int?, queueSize: Int) {
        self.inFlight = inFlight
        self.waiting = waiting
        self.maxInFlight = maxInFlight
        self.queueSize = queueSize
    }

    /// Whether a new request would have to wait (or move on) now.
    public var isFull: Bool { maxInFlight.map { inFlight >= $0 } ?? false }
}
