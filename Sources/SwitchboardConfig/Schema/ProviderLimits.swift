/// A provider's `limits:` block: how many requests the gateway lets run at the provider at once, in
/// total and per API key, and how many may wait (and for how long) when it is full.
///
/// A request that finds the provider full and cannot wait (the queue is full, or waiting `maxWait` would
/// pass the route's deadline) moves on to the route's next target at once; one that waits `maxWait`
/// without getting a slot moves on too. Neither is a failure of the key.
public struct ProviderLimits: Sendable, Hashable {
    public static let inFlightRange = 1...1_000_000
    public static let queueSizeRange = 0...1_000_000
    public static let defaultQueueSize = 0
    public static let defaultMaxWait: Duration = .seconds(1)

    /// Requests in flight at the provider, all keys together; nil is no limit.
    public var maxInFlight: Int?
    /// Requests in flight on each API key of the provider's pool; nil is no limit.
    public var maxInFlightPerKey: Int?
    /// Requests that may wait for a slot; 0 means a full provider is skipped at once.
    public var queueSize: Int
    /// The longest a request waits in the queue.
    public var maxWait: Duration
    public var source: SourceMap

    public init(
        maxInFlight: Int? = nil, maxInFlightPerKey: Int? = nil, queueSize: Int = Self.defaultQueueSize,
        maxWait: Duration = Self.defaultMaxWait, source: SourceMap = .none
    ) {
        self.maxInFlight = maxInFlight
        self.maxInFlightPerKey = maxInFlightPerKey
        self.queueSize = queueSize
        self.maxWait = maxWait
        self.source = source
    }

    /// Whether any in-flight limit is set (without one, nothing ever waits or is refused).
    public var limitsConcurrency: Bool { maxInFlight != nil || maxInFlightPerKey != nil }
}
