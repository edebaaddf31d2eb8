import Foundation
import SwitchboardConfig

/// One target of a route as the engine would treat a request now.
public struct TargetStatus: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// A request would call it (with a usable key, when it has a pool).
        case ready
        /// Every key is cooling (or disabled) for it; the soonest usable again at `until`, for `reason`.
        case cooling(until: Date, reason: String)
        /// Every key of its pool is disabled.
        case disabled
        /// Its pool has no key in the environment: requests skip it.
        case noKeys(variables: [String])
        /// Its provider is at its concurrency limit: a request would queue or move on.
        case limited
    }

    public var provider: String
    public var displayName: String
    public var model: String?
    public var priority: Int
    /// Whether it calls an upstream (an offline template does not).
    public var usesNetwork: Bool
    public var state: State
    /// Its pool's keys, in pool order, with their state for this target; empty for keyless targets.
    public var keys: [KeyStatus]
    /// Its provider's limiter, when it has `limits:`.
    public var limiter: LimiterStatus?
    public var price: Price?
    public var capabilities: [Capability]

    public init(
        provider: String, displayName: String, model: String?, priority: Int, usesNetwork: Bool, state: State,
        keys: [KeyStatus], limiter: LimiterStatus?, price: Price?, capabilities: [Capability]
    ) {
        self.provider = provider
        self.displayName = displayName
        self.model = model
        self.priority = priority
        self.usesNetwork = usesNetwork
        self.state = state
        self.keys = keys
        self.limiter = limiter
        self.price = price
        self.capabilities = capabilities
    }
}

/// A route and its targets in priority order, as the engine sees them now.
public struct RouteStatus: Sendable, Hashable {
    public var name: String
    public var targets: [TargetStatus]

    public init(name: String, targets: [TargetStatus]) {
        self.name = name
        self.targets = targets
    }
}
