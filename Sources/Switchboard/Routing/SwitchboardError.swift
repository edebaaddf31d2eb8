import SwitchboardConfig

/// Why a request got no answer, with the trace of everything tried.
public struct SwitchboardError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The configuration cannot be used (lint errors, an adapter that cannot be built).
        case configuration
        /// No route has that name.
        case unknownRoute
        /// A rule with action `fail` matched: every target would reject this request (HTTP 400-style).
        case rejected
        /// Every target that was tried answered "rate limited".
        case rateLimited
        /// Every target failed or was unusable.
        case unavailable
        /// No target could take the request because at least one was at the gateway's own concurrency
        /// limit (providers.yaml `limits:`) and the rest failed or were unusable; `retryAfter` is a hint.
        case overloaded
        /// The route's deadline passed before any target answered.
        case deadlineExceeded
        /// A streamed answer broke after it had started.
        case streamInterrupted
        /// The request needs something (tools, images, a JSON schema, …) that no target of the route it
        /// could use supports (`supports:` in providers.yaml); no upstream was called for it.
        case unsupportedCapability
        /// The caller was cancelled (an HTTP client went away) before an answer: the chain stopped at
        /// once, without trying the remaining targets or holding the failure against any key.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    public var route: String?
    public var trace: AttemptTrace
    /// When every target was rate limited: the shortest wait any of them asked for. When the gateway
    /// was overloaded: how soon a slot may be free.
    public var retryAfter: Duration?
    /// The status of the failure that ended the request, when it was an HTTP status (for `rejected`).
    public var upstreamStatus: Int?

    public init(
        _ kind: Kind, _ message: String, route: String? = nil, trace: AttemptTrace = AttemptTrace(),
        retryAfter: Duration? = nil, upstreamStatus: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.route = route
        self.trace = trace
        self.retryAfter = retryAfter
        self.upstreamStatus = upstreamStatus
    }

    public var description: String {
        trace.entries.isEmpty ? message : message + "\n" + trace.description
    }
}
