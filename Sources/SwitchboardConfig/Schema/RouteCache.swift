/// A route's `cache:` block: answers to identical requests are served from memory for `ttl`.
///
/// Only requests with `temperature: 0` are cached, unless `anyTemperature` is set. The cache is bounded by
/// entries and by bytes, evicts the least recently used entry first, and starts empty on every load or
/// reload of the configuration.
public struct RouteCache: Sendable, Hashable {
    public static let defaultMaxEntries = 1_000
    public static let defaultMaxBytes = 8 << 20
    public static let maxEntriesRange = 1...1_000_000
    public static let maxBytesRange = 1...(1 << 32)

    /// How long an answer may be served after it was stored.
    public var ttl: Duration
    /// Answers kept at most.
    public var maxEntries: Int
    /// Bytes kept at most, counting each answer's text (UTF-8) and its key.
    public var maxBytes: Int
    /// Also cache requests whose temperature is not 0 (or not given).
    public var anyTemperature: Bool
    public var source: SourceMap

    public init(
        ttl: Duration, maxEntries: Int = Self.defaultMaxEntries, maxBytes: Int = Self.defaultMaxBytes,
        anyTemperature: Bool = false, source: SourceMap = .none
    ) {
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.anyTemperature = anyTemperature
        self.source = source
    }
}
