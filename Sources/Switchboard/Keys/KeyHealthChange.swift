import Foundation

/// A key of a pool, by position: what the engine says instead of the key itself.
public struct KeyReference: Sendable, Hashable {
    public var pool: String
    public var index: Int

    public init(pool: String, index: Int) {
        self.pool = pool
        self.index = index
    }

    /// `pool#n`, numbered from 1 as in logs and metrics.
    public var label: String { "\(pool)#\(index + 1)" }
}

/// A key taken out of rotation, as the engine reports it to whoever shares key state with other
/// gateways (`Switchboard(keyHealthObserver:)`), and as such a peer hands it back
/// (`applySharedKeyHealth(_:)`). It never carries the key's value.
public struct KeyHealthChange: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// Cooling for one target (`provider/model`) for `remaining` from now.
        case cooling(scope: String, remaining: Duration)
        /// Disabled for every target until the configuration is reloaded.
        case disabled(since: Date)
        /// Back in rotation: a disabled key given its second chance by a reload elsewhere.
        case enabled
    }

    public var key: KeyReference
    public var state: State
    /// Why, as operators read it ("rate_limited", "Retry-After 30s").
    public var reason: String
    /// The upstream status that caused it, when there was one.
    public var status: Int?

    public init(key: KeyReference, state: State, reason: String, status: Int? = nil) {
        self.key = key
        self.state = state
        self.reason = reason
        self.status = status
    }
}
