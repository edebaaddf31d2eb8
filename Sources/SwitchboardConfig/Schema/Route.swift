/// A named fallback chain: targets tried in priority order under one policy.
public struct Route: Sendable, Hashable {
    public var name: String
    /// Sorted by priority, lowest number first.
    public var targets: [Target]
    public var policy: RoutePolicy
    /// The response cache, when the route opts in; nil means no caching.
    public var cache: RouteCache?
    public var source: SourceMap

    public init(
        name: String, targets: [Target], policy: RoutePolicy = RoutePolicy(), cache: RouteCache? = nil,
        source: SourceMap = .none
    ) {
        self.name = name
        self.targets = targets.sorted { $0.priority < $1.priority }
        self.policy = policy
        self.cache = cache
        self.source = source
    }
}

/// One step of a route: a model on a provider, at a priority, with per-target parameters.
public struct Target: Sendable, Hashable {
    public var provider: String
    /// The model id sent upstream (e.g. `HuggingFaceH4/zephyr-7b-beta:featherless-ai`); nil for
    /// adapters that need none.
    public var model: String?
    /// Lower is tried first. Reordering fallbacks means editing priorities, nothing else.
    public var priority: Int
    /// Common parameters (`max_tokens`, `temperature`, `top_p`) and the adapter's own (`task`, `template`).
    public var parameters: OptionValues
    /// `supports:`: what this target's model can serve; replaces the provider's `supports:` when set.
    public var supports: Set<Capability>?
    /// `price:`: what this target's model costs; replaces the provider's `price:` when set.
    public var price: Price?
    public var source: SourceMap

    public init(
        provider: String, model: String?, priority: Int, parameters: OptionValues = OptionValues(),
        supports: Set<Capability>? = nil, price: Price? = nil, source: SourceMap = .none
    ) {
        self.provider = provider
        self.model = model
        self.priority = priority
        self.parameters = parameters
        self.supports = supports
        self.price = price
        self.source = source
    }

    /// What this target serves: its own `supports:`, else its provider's, else everything the adapter
    /// relays; never more than the adapter relays, and always text.
    public func capabilities(provider: Provider, declaration: AdapterDeclaration) -> Set<Capability> {
        Capabilities.served(declared: supports ?? provider.supports, adapter: Capabilities(declaration.capabilities)).set
    }

    /// The cap on generated tokens, if the target sets one.
    public var maxTokens: Int? { parameters["max_tokens"]?.integer }
}
