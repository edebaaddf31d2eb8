/// What the configuration layer knows about an adapter type: its name and the schema of its options and
/// target parameters. The engine's registry pairs each declaration with a factory; the linter needs only
/// this half, so it stays free of networking code.
public struct AdapterDeclaration: Sendable, Hashable {
    /// The name providers use in `adapter:` (e.g. `openai-chat`).
    public var name: String
    public var summary: String
    /// Options under a provider's `options:`.
    public var options: [OptionSpec]
    /// Adapter-specific parameters under a route target's `parameters:`, on top of the common ones.
    public var targetParameters: [OptionSpec]
    /// Whether providers of this type call a network API (and so need `base_url`).
    public var usesNetwork: Bool
    /// Whether providers of this type need API keys (and so a `key_pool`).
    public var requiresKeys: Bool
    /// Whether a route target of this type must name a `model`.
    public var requiresModel: Bool
    /// False for adapters that always answer (the offline template): targets after them are unreachable.
    public var canFail: Bool
    /// What the adapter can carry to its upstream and back. A provider or target may narrow this with
    /// `supports:`, never widen it past what the adapter relays.
    public var capabilities: Set<Capability>

    public init(
        name: String, summary: String, options: [OptionSpec] = [], targetParameters: [OptionSpec] = [],
        usesNetwork: Bool = true, requiresKeys: Bool = true, requiresModel: Bool = true, canFail: Bool = true,
        capabilities: Set<Capability> = [.text]
    ) {
        self.name = name
        self.summary = summary
        self.options = options
        self.targetParameters = targetParameters
        self.usesNetwork = usesNetwork
        self.requiresKeys = requiresKeys
        self.requiresModel = requiresModel
        self.canFail = canFail
        self.capabilities = capabilities.union([.text])
    }

    /// The common target parameters followed by the adapter's own.
    public var allTargetParameters: [OptionSpec] { Self.commonTargetParameters + targetParameters }

    /// Parameters every target accepts, whatever its adapter.
    public static let commonTargetParameters: [OptionSpec] = [
        OptionSpec(
            "max_tokens", .integer(1...1_000_000),
            summary: "Cap on tokens generated; a request asking for more is lowered to this."),
        OptionSpec(
            "temperature", .number(0...2),
            summary: "Sampling temperature used when the request does not give one."),
        OptionSpec(
            "top_p", .number(0...1),
            summary: "Nucleus sampling used when the request does not give one."),
    ]
}
