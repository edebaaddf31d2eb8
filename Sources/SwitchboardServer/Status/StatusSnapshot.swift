import Foundation
import Switchboard
import SwitchboardConfig
import SwitchboardState
import SwitchboardUsage

/// Everything the status page shows, in the shape `/status.json` gives it to scripts: every route in
/// priority order with its targets' state now, their keys, and their figures over the last 5 minutes and
/// the last hour, with a point per minute for the charts.
struct StatusSnapshot: Encodable, Sendable {
    var generatedAt: Date
    var startedAt: Date
    /// Where the hour's figures come from: `store` (the usage store, across restarts) or `memory`
    /// (in-memory windows since start-up, when there is no `usage:` store or it could not be read).
    var hourSource: String
    var routes: [Route]
    /// Upstream calls per key over the last hour (memory), busiest first.
    var keyUsage: [KeyCalls]
    /// The background health probes' latest findings, when providers set `health_check:`.
    var probes: [ProbeFinding]
    /// The link to the replicas' state database, when providers.yaml sets `state:`.
    var sharedState: SharedStateStatus?

    struct Route: Encodable, Sendable {
        var name: String
        var lastFiveMinutes: Figures
        var lastHour: Figures
        /// Requests and requests that failed over, per minute over the last hour, oldest first.
        var requestsPerMinute: [Int]
        var failoversPerMinute: [Int]
        var targets: [Target]
    }

    struct Target: Encodable, Sendable {
        var provider: String
        var model: String?
        var priority: Int
        /// `ready`, `cooling`, `disabled`, `no_keys` or `limited`.
        var state: String
        /// What a person reads beside the state ("until 10:42:07: Retry-After 30s (rate_limited)").
        var detail: String?
        var until: Date?
        var keys: [Key]
        var limiter: Limiter?
        var price: Price?
        var lastFiveMinutes: Figures
        var lastHour: Figures
        /// Per minute over the last hour, oldest first (nil where there was no call).
        var successRatePerMinute: [Double?]
        var latencyP50PerMinute: [Double?]
    }

    struct Key: Encodable, Sendable {
        var label: String
        /// `ready`, `cooling` or `disabled`, for this target.
        var state: String
        var until: Date?
        var since: Date?
        var reason: String?
        var status: Int?
    }

    struct Limiter: Encodable, Sendable {
        var inFlight: Int
        var waiting: Int
        var maxInFlight: Int?
        var queueSize: Int
    }

    struct Price: Encodable, Sendable {
        var inputPerMillion: Double
        var outputPerMillion: Double
    }

    /// A route's or a target's figures over a window: the same definitions as `switchboard usage`.
    struct Figures: Encodable, Sendable {
        var requests: Int
        var attempts: Int
        var successes: Int
        /// Per request for a route, per call for a target; nil with none.
        var successRate: Double?
        var latencyP50Ms: Double?
        var latencyP95Ms: Double?
        var tokensIn: Int
        var tokensOut: Int
        var cost: Double
        var costUnknown: Int
        /// Share of requests that failed over (answered by other than their first called target, or failed).
        var failoverRate: Double?
        /// Why it failed or was passed over, by class, with counts.
        var errors: [String: Int]

        init(_ summary: UsageGroupSummary?) {
            requests = summary?.requests ?? 0
            attempts = summary?.attempts ?? 0
            successes = summary?.successes ?? 0
            successRate = summary?.successRate
            // Tenths of a millisecond: the in-memory figures are bucketed, more digits would be noise.
            latencyP50Ms = summary?.latencyP50.map { ($0 * 10).rounded() / 10 }
            latencyP95Ms = summary?.latencyP95.map { ($0 * 10).rounded() / 10 }
            tokensIn = summary?.tokensIn ?? 0
            tokensOut = summary?.tokensOut ?? 0
            cost = summary?.cost ?? 0
            costUnknown = summary?.costUnknown ?? 0
            failoverRate = summary?.failoverRate
            errors = summary?.errors ?? [:]
        }
    }

    struct KeyCalls: Encodable, Sendable {
        var label: String
        var calls: Int
    }

    struct ProbeFinding: Encodable, Sendable {
        var subject: String
        var provider: String
        var result: String
        var detail: String?
        var at: Date
    }
}

extension StatusSnapshot {
    /// The snapshot of `gateway` at `now`.
    static func make(gateway: Gateway, now: Date = Date()) -> StatusSnapshot {
        let live = gateway.live
        let engineRoutes = gateway.engine.status(wallNow: now)
        let routes5m = live.summaries(by: .route, minutes: 5, now: now)
        var routesHour = live.summaries(by: .route, minutes: 60, now: now)
        var targetsHour = Dictionary(uniqueKeysWithValues: engineRoutes.map {
            ($0.name, live.summaries(by: .targets(ofRoute: $0.name), minutes: 60, now: now))
        })
        var hourSource = "memory"
        // The hour from the store when there is one (it outlives restarts); memory when it cannot be read.
        if let store = gateway.usage?.store, let fromStore = try? hourFromStore(store, routes: engineRoutes, now: now) {
            (routesHour, targetsHour) = fromStore
            hourSource = "store"
        }
        let routeSeries = live.series(by: .route, minutes: 60, now: now)
        let routes = engineRoutes.map { route in
            let targets5m = live.summaries(by: .targets(ofRoute: route.name), minutes: 5, now: now)
            let targetSeries = live.series(by: .targets(ofRoute: route.name), minutes: 60, now: now)
            return Route(
                name: route.name, lastFiveMinutes: Figures(routes5m[route.name]), lastHour: Figures(routesHour[route.name]),
                requestsPerMinute: routeSeries[route.name]?.map(\.requests) ?? Array(repeating: 0, count: 60),
                failoversPerMinute: routeSeries[route.name]?.map { minute in
                    Int(((minute.failoverRate ?? 0) * Double(minute.requests)).rounded())
                } ?? Array(repeating: 0, count: 60),
                targets: route.targets.map { target in
                    let name = UsageGrouping.targetName(provider: target.provider, model: target.model)
                    let series = targetSeries[name]
                    return Target(
                        target, lastFiveMinutes: Figures(targets5m[name]), lastHour: Figures(targetsHour[route.name]?[name]),
                        successRatePerMinute: series?.map { $0.attempts > 0 ? $0.successRate : nil }
                            ?? Array(repeating: nil, count: 60),
                        latencyP50PerMinute: series?.map { $0.latencyP50.map { ($0 * 10).rounded() / 10 } }
                            ?? Array(repeating: nil, count: 60))
                })
        }
        let keyUsage = live.keyUsage(minutes: 60, now: now)
            .map { KeyCalls(label: $0.key, calls: $0.value) }
            .sorted { ($0.calls, $1.label) > ($1.calls, $0.label) }
        return StatusSnapshot(
            generatedAt: now, startedAt: gateway.started, hourSource: hourSource, routes: routes, keyUsage: keyUsage,
            probes: gateway.probeFindings(), sharedState: gateway.sharedState?.status)
    }

    /// The last hour by route, and by target within each route, from the usage store.
    private static func hourFromStore(_ store: UsageStore, routes: [RouteStatus], now: Date) throws
        -> ([String: UsageGroupSummary], [String: [String: UsageGroupSummary]])
    {
        let since = now.addingTimeInterval(-3_600)
        let byRoute = try store.report(since: since, by: .route).groups
        var byTarget: [String: [String: UsageGroupSummary]] = [:]
        for route in routes {
            let groups = try store.report(since: since, by: .target, route: route.name).groups
            byTarget[route.name] = Dictionary(groups.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        return (Dictionary(byRoute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }), byTarget)
    }
}

extension StatusSnapshot.Target {
    init(
        _ status: TargetStatus, lastFiveMinutes: StatusSnapshot.Figures, lastHour: StatusSnapshot.Figures,
        successRatePerMinute: [Double?], latencyP50PerMinute: [Double?]
    ) {
        provider = status.provider
        model = status.model
        priority = status.priority
        switch status.state {
        case .ready:
            state = "ready"
        case .cooling(let until, let reason):
            (state, detail, self.until) = ("cooling", reason, until)
        case .disabled:
            (state, detail) = ("disabled", "every key of its pool is disabled")
        case .noKeys(let variables):
            (state, detail) = ("no_keys", "skipped: no keys (set " + variables.joined(separator: ", ") + ")")
        case .limited:
            (state, detail) = ("limited", "at its concurrency limit: requests queue or move on")
        }
        keys = status.keys.map { key in
            switch key.state {
            case .ready:
                StatusSnapshot.Key(label: key.label, state: "ready")
            case .cooling(let until, let reason, let code):
                StatusSnapshot.Key(label: key.label, state: "cooling", until: until, reason: reason, status: code)
            case .disabled(let since, let reason, let code):
                StatusSnapshot.Key(label: key.label, state: "disabled", since: since, reason: reason, status: code)
            }
        }
        limiter = status.limiter.map {
            StatusSnapshot.Limiter(inFlight: $0.inFlight, waiting: $0.waiting, maxInFlight: $0.maxInFlight, queueSize: $0.queueSize)
        }
        // An offline target's price is the gateway's own zero, not something an operator set.
        price = status.price.flatMap { status.usesNetwork ? $0 : nil }.map { StatusSnapshot.Price(inputPerMillion: $0.inputPerMillion, outputPerMillion: $0.outputPerMillion) }
        self.lastFiveMinutes = lastFiveMinutes
        self.lastHour = lastHour
        self.successRatePerMinute = successRatePerMinute
        self.latencyP50PerMinute = latencyP50PerMinute
    }
}
