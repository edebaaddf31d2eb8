import Foundation

/// One upstream attempt of a request: a target and key tried (or skipped), and how it went.
public struct UsageAttemptRecord: Sendable, Hashable {
    /// The outcome class of an attempt that answered.
    public static let success = "success"
    /// The outcome class of a key passed over without a call (cooling down or disabled).
    public static let skipped = "skipped"
    /// The outcome class of a target passed over because it does not support what the request needs
    /// (providers.yaml `supports:`): no call was made.
    public static let unsupported = "unsupported_capability"
    /// The outcome classes of a target passed over because the provider's own limits had no slot
    /// (providers.yaml `limits:`): no call was made either.
    public static let limited: Set<String> = ["queue_full", "queue_timeout", "queue_deadline"]

    /// Whether an attempt with this outcome class called the upstream.
    public static func madeCall(_ outcome: String) -> Bool {
        outcome != skipped && outcome != unsupported && !limited.contains(outcome)
    }

    public var requestID: String
    /// When the attempt started.
    public var time: Date
    public var route: String
    public var provider: String
    public var model: String
    /// `pool#index`, never the key itself; nil for keyless providers.
    public var keyLabel: String?
    /// `success`, `skipped`, a limit's class (`queue_full`, `queue_timeout`, `queue_deadline`), or the name
    /// of the error rule that classified the failure (`rate_limited`, `timeout`, `model_loading`, …).
    public var outcome: String
    /// The upstream's HTTP status; nil for transport failures and skipped keys.
    public var upstreamStatus: Int?
    public var latency: Duration

    public init(
        requestID: String, time: Date, route: String, provider: String, model: String, keyLabel: String? = nil,
        outcome: String, upstreamStatus: Int? = nil, latency: Duration = .zero
    ) {
        self.requestID = requestID
        self.time = time
        self.route = route
        self.provider = provider
        self.model = model
        self.keyLabel = keyLabel
        self.outcome = outcome
        self.upstreamStatus = upstreamStatus
        self.latency = latency
    }
}
