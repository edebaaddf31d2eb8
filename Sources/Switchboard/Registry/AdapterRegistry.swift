import SwitchboardConfig

/// Adapter types by name, with what builds them: the runtime side of `AdapterCatalog`. The catalog it
/// carries is what the linter checks configurations against, so a registered type is linted too.
public struct AdapterRegistry: Sendable {
    private var types: [String: any ProviderAdapter.Type] = [:]
    public private(set) var catalog = AdapterCatalog()

    public init() {}

    /// Registers (or replaces) an adapter type under `T.declaration.name`.
    public mutating func register<T: ProviderAdapter>(_ type: T.Type) {
        types[T.declaration.name] = type
        catalog.register(T.declaration)
    }

    public func adapterType(named name: String) -> (any ProviderAdapter.Type)? { types[name] }

    /// `openai-chat`, `hf-inference` and `template`.
    public static var builtIn: AdapterRegistry {
        var registry = AdapterRegistry()
        registry.register(OpenAIChatAdapter.self)
        registry.register(HuggingFaceInferenceAdapter.self)
        registry.register(TemplateAdapter.self)
        return registry
    }

    /// Builds the adapter for `provider`.
    func makeAdapter(for provider: Provider, environment: AdapterEnvironment) throws -> any ProviderAdapter {
        guard let type = types[provider.adapter] else {
            throw SwitchboardError(
                .configuration, "provider '\(provider.name)' uses adapter type '\(provider.adapter)', which is not registered")
        }
        return try type.init(provider: provider, environment: environment)
    }
}
