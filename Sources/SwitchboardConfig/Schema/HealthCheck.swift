/// Background probes of a provider's keys and models while `serve` runs (`health_check:`).
///
/// Probes find a revoked key or a withdrawn model before a client request does. They spend the
/// upstream's quota too, hence the floor on `interval`.
public struct HealthCheck: Sendable, Hashable {
    public static let minimumInterval: Duration = .seconds(10)
    public static let defaultTimeout: Duration = .seconds(10)

    /// How often each key (and each target's model) is probed: at most one call per key per interval.
    public var interval: Duration
    /// How long one probe call may take.
    public var timeout: Duration
    public var source: SourceMap

    public init(interval: Duration, timeout: Duration = Self.defaultTimeout, source: SourceMap = .none) {
        self.interval = interval
        self.timeout = timeout
        self.source = source
    }
}
