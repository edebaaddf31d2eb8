import CoreMetrics
import SwitchboardConfig

/// The engine's swift-metrics instruments. From them: success rate (requests by outcome), key usage
/// (attempts by key), model performance (attempt latency by provider and model), failover frequency.
///
/// Instruments are made once and kept (`InstrumentCache`).
final class EngineMetrics: Sendable {
    /// Where instruments are made: the process's bootstrapped factory unless one is injected.
    private let instruments: InstrumentCache

    init(factory: (any MetricsFactory)? = nil) {
        self.instruments = InstrumentCache(factory: factory ?? MetricsSystem.factory)
    }

    static let requests = "switchboard_requests_total"
    static let attempts = "switchboard_attempts_total"
    static let failovers = "switchboard_failovers_total"
    static let attemptDuration = "switchboard_attempt_duration_seconds"
    static let keys = "switchboard_keys"
    static let cache = "switchboard_cache_total"
    static let limited = "switchboard_limited_total"
    static let inFlight = "switchboard_in_flight"
    static let waiting = "switchboard_waiting"
    static let capabilitySkips = "switchboard_capability_skips_total"

    func request(route: String, outcome: String) {
        instruments.counter(Self.requests, [("route", route), ("outcome", outcome)]).increment()
    }

    func attempt(target: CompiledTarget, key: String?, errorClass: String, latency: Duration) {
        instruments.counter(Self.attempts, [
            ("provider", target.provider.name), ("model", target.model ?? ""), ("key", key ?? ""), ("class", errorClass),
        ]).increment()
        instruments.timer(Self.attemptDuration, [("provider", target.provider.name), ("model", target.model ?? "")])
            .record(latency)
        if let ring = target.keyRing { keyState(ring) }
    }

    /// A lookup in a route's response cache: `hit` or `miss` (requests the cache is not for are not counted).
    func cache(route: String, hit: Bool) {
        instruments.counter(Self.cache, [("route", route), ("result", hit ? "hit" : "miss")]).increment()
    }

    /// A target skipped by its provider's limits, by reason (`queue_full`, `queue_timeout`, `queue_deadline`).
    func limited(provider: String, reason: String) {
        instruments.counter(Self.limited, [("provider", provider), ("reason", reason)]).increment()
    }

    /// A limited provider's requests holding a slot and waiting for one, recorded on every change.
    func limiter(provider: String, inFlight: Int, waiting: Int) {
        instruments.gauge(Self.inFlight, [("provider", provider)]).record(inFlight)
        instruments.gauge(Self.waiting, [("provider", provider)]).record(waiting)
    }

    /// A target passed over because it does not support `capability`, which the request needs.
    func capabilitySkip(route: String, target: CompiledTarget, capability: Capability) {
        instruments.counter(Self.capabilitySkips, [
            ("route", route), ("provider", target.provider.name), ("model", target.model ?? ""),
            ("capability", capability.rawValue),
        ]).increment()
    }

    func failover(route: String) {
        instruments.counter(Self.failovers, [("route", route)]).increment()
    }

    /// Keys of a pool by state (healthy, cooling, disabled), recorded when the ring's census changed.
    func keyState(_ ring: KeyRing) {
        guard let census = ring.censusIfChanged() else { return }
        for (state, count) in [("healthy", census.healthy), ("cooling", census.cooling), ("disabled", census.disabled)] {
            instruments.gauge(Self.keys, [("pool", ring.pool.name), ("state", state)]).record(count)
        }
    }
}
