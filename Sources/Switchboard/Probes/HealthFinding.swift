import Foundation

/// One finding of a background health check, for the status page and the logs: a key (`pool#index`)
/// or a model, what the probe found, and when.
public struct HealthFinding: Sendable, Hashable {
    /// `pool#index` for a key, the model id for a model.
    public var subject: String
    public var provider: String
    /// `valid`, `invalid`, `rate_limited`, `unreachable`, … for keys; `available`, `loading`,
    /// `not_found`, `unknown` for models.
    public var result: String
    public var detail: String?
    public var at: Date

    public init(subject: String, provider: String, result: String, detail: String?, at: Date) {
        self.subject = subject
        self.provider = provider
        self.result = result
        self.detail = detail
        self.at = at
    }
}
