import SwitchboardConfig

/// Why one upstream call failed, in the terms error rules match on: an HTTP status with (part of) its
/// body, or a transport failure.
public struct UpstreamFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case http(status: Int)
        case transport(TransportFailure)
    }

    public var kind: Kind
    /// A short explanation for traces and logs. Never contains the upstream's raw body or a key.
    public var message: String
    /// The start of the response body, for `body_contains` rules only; never shown to clients.
    public var body: String
    /// The upstream's `Retry-After`, parsed.
    public var retryAfter: Duration?
    /// How long the upstream expects to stay unavailable (Hugging Face's `estimated_time` while a model loads).
    public var estimatedRecovery: Duration?

    public init(
        _ kind: Kind, message: String, body: String = "", retryAfter: Duration? = nil,
        estimatedRecovery: Duration? = nil
    ) {
        self.kind = kind
        self.message = message
        self.body = body
        self.retryAfter = retryAfter
        self.estimatedRecovery = estimatedRecovery
    }

    public static func transport(_ failure: TransportFailure, _ message: String) -> UpstreamFailure {
        UpstreamFailure(.transport(failure), message: message)
    }

    public static func malformed(_ message: String) -> UpstreamFailure {
        UpstreamFailure(.transport(.malformedResponse), message: message)
    }

    public var status: Int? {
        if case .http(let status) = kind { return status }
        return nil
    }

    public var description: String {
        switch kind {
        case .http(let status): return "HTTP \(status): \(message)"
        case .transport(let failure): return "\(failure.rawValue): \(message)"
        }
    }

    /// The first rule of `rules` that matches this failure.
    func classify(with rules: [ErrorRule]) -> ErrorRule? {
        rules.first { rule in
            switch kind {
            case .http(let status): return rule.match.matches(status: status, body: body)
            case .transport(let failure): return rule.match.matches(failure)
            }
        }
    }
}
