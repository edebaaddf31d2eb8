/// One line of a usage report: the figures for one route, provider, model or key.
public struct UsageGroupSummary: Sendable, Hashable {
    /// The route, provider, model or key label; `(no key)` for calls made without a key, `(none)` for requests
    /// refused before a route.
    public var name: String
    /// Requests of the group: for a route its requests, otherwise the distinct requests that tried it.
    public var requests: Int
    /// Upstream attempts made (skipped keys not counted).
    public var attempts: Int
    /// Successful requests (route) or successful attempts (provider, model, key).
    public var successes: Int
    /// `successes` over requests (route) or over attempts (provider, model, key); nil with none.
    public var successRate: Double?
    /// Latency percentiles in milliseconds (nearest rank); nil with no latencies.
    public var latencyP50: Double?
    public var latencyP95: Double?
    /// Outcome classes other than success, with counts: error kinds for a route, error-rule names and
    /// `skipped` otherwise.
    public var errors: [String: Int]
    /// Share of `requests` that moved past at least one target.
    public var failoverRate: Double?
    /// Attempts per key label (`(no key)` for calls made without a key).
    public var keyUsage: [String: Int]
    /// Tokens of the requests this group answered (a request's tokens count for its final target).
    public var tokensIn: Int
    public var tokensOut: Int
    /// The known cost of the requests this group answered (a request's cost counts for its final target).
    public var cost: Double
    /// Answered requests whose cost is unknown (no price, or no usage reported): `cost` leaves them out
    /// rather than counting them as free.
    public var costUnknown: Int

    public init(
        name: String, requests: Int = 0, attempts: Int = 0, successes: Int = 0, successRate: Double? = nil,
        latencyP50: Double? = nil, latencyP95: Double? = nil, errors: [String: Int] = [:], failoverRate: Double? = nil,
        keyUsage: [String: Int] = [:], tokensIn: Int = 0, tokensOut: Int = 0, cost: Double = 0,
        costUnknown: Int = 0
    ) {
        self.cost = cost
        self.costUnknown = costUnknown
        self.name = name
        self.requests = requests
        self.attempts = attempts
        self.successes = successes
        self.successRate = successRate
        self.latencyP50 = latencyP50
        self.latencyP95 = latencyP95
        self.errors = errors
        self.failoverRate = failoverRate
        self.keyUsage = keyUsage
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
    }
}
