import Foundation

/// One key of a target's pool as the target sees it now, named `pool#index` (never by its value).
public struct KeyStatus: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case ready
        /// Not used for this target until `until`: `reason` says what decided it (`Retry-After 30s
        /// (rate_limited)`, `loading, estimated 20s (model_loading)`, `timeout cooldown`).
        case cooling(until: Date, reason: String, status: Int?)
        /// Not used by any target until the configuration is reloaded: `reason` is the error rule (or the
        /// health probe) that decided it, `status` the upstream's answer.
        case disabled(since: Date, reason: String, status: Int?)
    }

    public var label: String
    public var state: State

    public init(label: String, state: State) {
        self.label = label
        self.state = state
    }
}
