import CoreMetrics

/// The engine's swift-metrics instruments. From them: success rate (requests by outcome), key usage
/// (attempts by key), model performance (attempt latency by provider and model), failover frequency.
struct EngineMetrics: Sendable {
    /// Where instruments are made: the process's bootstrapped factory unless one is injected.
    let factory: any MetricsFactory

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    static let requests = "switchboard_requests_total"
    static let attempts = "switchboard_attempts_total"
    static let failovers = "switchboard_failovers_total"
    static let attemptDuration = "switchboard_attempt_duration_seconds"
    static let keys = "switchboard_keys"

    func request(route: String, outcome: String) {
        Counter(label: Self.requests, dimensions: [("route", route), ("outcome", outcome)], factory: factory).increment()
    }

    func attempt(target: CompiledTarget, key: String?, errorClass: String, latency: Duration) {
        let dimensions = [
            ("provider", target.provider.name), ("model", target.model ?? ""), ("key", key ?? ""), ("class", errorClass),
        ]
        Counter(label: Self.attempts, dimensions: dimensions, factory: factory).increment()
        Timer(label: Self.attemptDuration, dimensions: [("provider", target.provider.name), ("model", target.model ?? "")],
              preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
        if let ring = target.keyRing { keyState(ring) }
    }

    func failover(route: String) {
        Counter(label: Self.failovers, dimensions: [("route", route)], factory: factory).increment()
    }

    /// Keys of a pool by state (healthy, cooling, disabled).
    func keyState(_ ring: KeyRing) {
        let census = ring.census()
        for (state, count) in [("healthy", census.healthy), ("cooling", census.cooling), ("disabled", census.disabled)] {
            Gauge(label: Self.keys, dimensions: [("pool", ring.pool.name), ("state", state)], factory: factory).record(count)
        }
    }
}
