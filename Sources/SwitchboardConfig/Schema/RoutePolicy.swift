/// How hard a route tries: an overall deadline, a per-attempt timeout, an attempt budget, and the
/// backoff between retries.
public struct RoutePolicy: Sendable, Hashable {
    /// Everything (all attempts, retries and fallbacks) finishes by then; no attempt starts after it.
    public var deadline: Duration
    /// The longest one attempt may take.
    public var attemptTimeout: Duration
    /// The most upstream calls one request may make (skipped keys and targets are not calls).
    public var maxAttempts: Int
    public var backoff: Backoff

    public struct Backoff: Sendable, Hashable {
        /// Wait before the first retry.
        public var initial: Duration
        /// No wait exceeds this.
        public var max: Duration
        /// Each retry waits this many times longer than the previous one.
        public var multiplier: Double
        /// Randomise each wait between half and all of it, so clients do not retry in lockstep.
        public var jitter: Bool

        public init(
            initial: Duration = .milliseconds(250), max: Duration = .seconds(4), multiplier: Double = 2,
            jitter: Bool = true
        ) {
            self.initial = initial
            self.max = max
            self.multiplier = multiplier
            self.jitter = jitter
        }
    }

    public init(
        deadline: Duration = .seconds(60), attemptTimeout: Duration = .seconds(30), maxAttempts: Int = 10,
        backoff: Backoff = Backoff()
    ) {
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
        self.maxAttempts = maxAttempts
        self.backoff = backoff
    }
}
