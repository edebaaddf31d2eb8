/// A whole providers.yaml, decoded and validated.
public struct SwitchboardConfiguration: Sendable, Hashable {
    public static let supportedVersions: ClosedRange<Int> = 1...1

    public var version: Int
    public var keyPools: [KeyPool]
    public var providers: [Provider]
    public var routes: [Route]
    /// The file's own rules, in order. `effectiveErrorRules` appends the built-in defaults.
    public var errorRules: [ErrorRule]
    /// The `server:` block (all optional).
    public var server: ServerSettings
    /// The `usage:` block (recording is off unless it sets `path`).
    public var usage: UsageSettings
    /// The `state:` block: shared key state and usage between replicas; nil keeps both in this process.
    public var state: StateSettings?

    public init(
        version: Int = 1, keyPools: [KeyPool] = [], providers: [Provider] = [], routes: [Route] = [],
        errorRules: [ErrorRule] = [], server: ServerSettings = ServerSettings(), usage: UsageSettings = UsageSettings(),
        state: StateSettings? = nil
    ) {
        self.version = version
        self.keyPools = keyPools
        self.providers = providers
        self.routes = routes
        self.errorRules = errorRules
        self.server = server
        self.usage = usage
        self.state = state
    }

    /// The rules in the order they are tried: the file's, then the built-in defaults.
    public var effectiveErrorRules: [ErrorRule] { errorRules + ErrorRule.builtInDefaults }

    public func keyPool(named name: String) -> KeyPool? { keyPools.first { $0.name == name } }
    public func provider(named name: String) -> Provider? { providers.first { $0.name == name } }
    public func route(named name: String) -> Route? { routes.first { $0.name == name } }
}
