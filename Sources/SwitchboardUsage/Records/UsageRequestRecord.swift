import Foundation

/// One request as the client saw it: where it ended up, what it returned and what it cost.
///
/// Keys appear only as labels (`huggingface#2`), never as values.
public struct UsageRequestRecord: Sendable, Hashable {
    /// The outcome class of a request that answered.
    public static let success = "success"

    public var requestID: String
    /// When the request arrived.
    public var time: Date
    public var route: String
    /// The target that answered, or the last one tried when none did; nil when no target was tried.
    public var provider: String?
    public var model: String?
    /// `pool#index` of the key used by the final attempt; nil for keyless providers.
    public var keyLabel: String?
    /// `success`, or the error kind returned to the client: `rate_limited`, `unavailable`,
    /// `deadline_exceeded`, `rejected`, …
    public var outcome: String
    /// The HTTP status sent to the client.
    public var status: Int
    /// From arrival to the last byte sent.
    public var latency: Duration
    /// Upstream attempts made (skipped keys not counted).
    public var attempts: Int
    /// Targets moved past before the final one.
    public var failovers: Int
    public var tokensIn: Int?
    public var tokensOut: Int?
    /// What the answer cost at the answering target's `price:`: 0 for a cache hit, nil when unknown (the
    /// target has no price, or its upstream reported no usage) or when nothing answered.
    public var cost: Double?
    public var cacheHit: Bool
    public var streaming: Bool

    public init(
        requestID: String, time: Date, route: String, provider: String? = nil, model: String? = nil,
        keyLabel: String? = nil, outcome: String, status: Int, latency: Duration, attempts: Int = 1,
        failovers: Int = 0, tokensIn: Int? = nil, tokensOut: Int? = nil, cost: Double? = nil, cacheHit: Bool = false,
        streaming: Bool = false
    ) {
        self.cost = cost
        self.requestID = requestID
        self.time = time
        self.route = route
        self.provider = provider
        self.model = model
        self.keyLabel = keyLabel
        self.outcome = outcome
        self.status = status
        self.latency = latency
        self.attempts = attempts
        self.failovers = failovers
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.cacheHit = cacheHit
        self.streaming = streaming
    }

    public var succeeded: Bool { outcome == Self.success }
}
