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
    static let tokens = "switchboard_tokens_total"
    static let cost = "switchboard_cost_total"
    static let costUnknown = "switchboard_cost_unknown_total"
    static let probes = "switchboard_probes_total"

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

    /// What an answered request spent upstream: its tokens, and their cost at the target's price. A
    /// priced target whose upstream reported no usage counts as cost unknown, never as free.
    func spent(route: String, target: CompiledTarget, usage: Usage?) {
        let provider = target.provider.name
        let model = target.model ?? ""
        guard let usage else {
            if let price = target.price, !price.isFree {
                instruments.counter(Self.costUnknown, [("route", route), ("provider", provider), ("model", model)])
                    .increment()
            }
            return
        }
        instruments.counter(Self.tokens, [("provider", provider), ("model", model), ("type", "prompt")])
            .increment(by: Int64(usage.promptTokens))
        instruments.counter(Self.tokens, [("provider", provider), ("model", model), ("type", "completion")])
            .increment(by: Int64(usage.completionTokens))
        if let price = target.price {
            instruments.floatingPointCounter(Self.cost, [("route", route), ("provider", provider), ("model", model)])
                .increment(by: price.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens))
        }
    }

    /// A health probe of one key (or of a keyless provider), by what it found (`valid`, `invalid`, …).
    func probe(provider: String, result: String) {
        instruments.counter(Self.probes, [("provider", provider), ("result", result)]).increment()
    }

    func failover(route: String) {
        instruments.counter(Self.failovers, [("route", route)]).increment()
    }

    /// Keys by state (healthy, cooling, disabled) for each target drawing from the ring, recorded when
    /// the ring's census changed. Per target, because cooldowns are: a key cooling for one model may be
    /// answering another's requests.
    func keyState(_ ring: KeyRing) {
        guard let censuses = ring.censusIfChanged() else { return }
        for (scope, census) in censuses {
            let (provider, model) = CompiledTarget.split(scope: scope)
            for (state, count) in [("healthy", census.healthy), ("cooling", census.cooling), ("disabled", census.disabled)] {
                instruments.gauge(Self.keys, [
                    ("pool", ring.pool.name), ("provider", provider), ("model", model), ("state", state),
                ]).record(count)
            }
        }
    }
}
