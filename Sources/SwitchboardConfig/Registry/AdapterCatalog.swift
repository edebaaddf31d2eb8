/// Adapter declarations by name: the one table that changes when an adapter type is added.
///
/// The catalog is a value: build one, register more types into it, and hand it to the linter or the
/// engine. `AdapterCatalog.builtIn` holds the types Switchboard ships with.
public struct AdapterCatalog: Sendable {
    public private(set) var declarations: [String: AdapterDeclaration] = [:]

    public init(_ declarations: [AdapterDeclaration] = []) {
        for declaration in declarations { register(declaration) }
    }

    /// Adds or replaces the declaration for `declaration.name`.
    public mutating func register(_ declaration: AdapterDeclaration) {
        declarations[declaration.name] = declaration
    }

    public subscript(name: String) -> AdapterDeclaration? { declarations[name] }

    public var names: [String] { declarations.keys.sorted() }

    /// `openai-chat`, `hf-inference` and `template`.
    public static let builtIn = AdapterCatalog([.openAIChat, .huggingFaceInference, .template])
}
