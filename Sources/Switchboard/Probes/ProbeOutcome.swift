/// What one probe found: the key's verdict, and each model's when the adapter could tell.
public struct ProbeOutcome: Sendable, Hashable {
    public enum KeyVerdict: Sendable, Hashable {
        /// The provider accepted the key.
        case valid
        /// The provider refused it (401 or 403): revoked, mistyped, or without access.
        case invalid(status: Int)
        /// The provider accepted it but is rate limiting it now.
        case rateLimited(retryAfter: Duration?)
        /// No answer: connection refused or reset, DNS, TLS, a timeout.
        case unreachable(String)
        /// An answer that says neither (a 5xx, an unexpected shape).
        case unexpected(String)
        /// The provider is keyless, or its adapter has no way to check a key.
        case notChecked(String)
    }

    public enum ModelVerdict: Sendable, Hashable {
        case available
        /// The provider knows the model but it is not ready yet (Hugging Face: being loaded).
        case loading(estimate: Duration?)
        case notFound(String)
        /// Not checked or not decidable (no valid key, an adapter without a model check).
        case unknown(String)
    }

    public var key: KeyVerdict
    /// By model id, as the targets name them; models the adapter could not check are left out.
    public var models: [String: ModelVerdict]

    public init(key: KeyVerdict, models: [String: ModelVerdict] = [:]) {
        self.key = key
        self.models = models
    }
}

extension ProbeOutcome.KeyVerdict {
    /// A short machine name: `valid`, `invalid`, `rate_limited`, `unreachable`, `unexpected`, `not_checked`.
    public var name: String {
        switch self {
        case .valid: "valid"
        case .invalid: "invalid"
        case .rateLimited: "rate_limited"
        case .unreachable: "unreachable"
        case .unexpected: "unexpected"
        case .notChecked: "not_checked"
        }
    }

    /// What a person reads: `invalid (HTTP 401)`, `rate limited (retry after 30s)`.
    public var description: String {
        switch self {
        case .valid: "valid"
        case .invalid(let status): "invalid (HTTP \(status))"
        case .rateLimited(let retryAfter): "rate limited" + (retryAfter.map { " (retry after \(Self.seconds($0)))" } ?? "")
        case .unreachable(let why): "unreachable (\(why))"
        case .unexpected(let why): "unexpected answer (\(why))"
        case .notChecked(let why): "not checked (\(why))"
        }
    }

    /// Whether requests could use the key (now, or once the rate limit passes; a key nothing could
    /// check counts too, since nothing says it does not work).
    public var isUsable: Bool {
        switch self {
        case .valid, .rateLimited, .notChecked: true
        case .invalid, .unreachable, .unexpected: false
        }
    }

    static func seconds(_ duration: Duration) -> String { "\(max(1, duration.components.seconds))s" }
}

extension ProbeOutcome.ModelVerdict {
    /// `available`, `loading`, `not_found`, `unknown`.
    public var name: String {
        switch self {
        case .available: "available"
        case .loading: "loading"
        case .notFound: "not_found"
        case .unknown: "unknown"
        }
    }

    public var description: String {
        switch self {
        case .available: "available"
        case .loading(let estimate): "loading" + (estimate.map { " (estimated \(ProbeOutcome.KeyVerdict.seconds($0)))" } ?? "")
        case .notFound(let why): "not found (\(why))"
        case .unknown(let why): "unknown (\(why))"
        }
    }

    /// Whether requests can be answered by the model (now, or once it has loaded); an unknown model
    /// counts as usable, since nothing says it is not.
    public var isUsable: Bool {
        switch self {
        case .available, .loading, .unknown: true
        case .notFound: false
        }
    }
}
