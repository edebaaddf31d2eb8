import Logging
import SwitchboardConfig

/// One health probe of a provider: is `key` accepted (nil for keyless providers), and are `models` there.
/// An adapter answers it with the cheapest calls its API offers, never a completion when a cheaper
/// call exists.
public struct ProbeCall: Sendable {
    public var key: ResolvedKey?
    /// The models of the provider's targets, as the targets name them.
    public var models: [String]
    public var deadline: ContinuousClock.Instant
    public var logger: Logger

    public init(key: ResolvedKey?, models: [String], deadline: ContinuousClock.Instant, logger: Logger) {
        self.key = key
        self.models = models
        self.deadline = deadline
        self.logger = logger
    }
}
