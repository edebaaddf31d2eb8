/// A named, ordered list of environment variables that hold API keys. The YAML names variables only;
/// values are read from the environment at load time and never written anywhere.
public struct KeyPool: Sendable, Hashable {
    /// How the first key of a request is chosen.
    public enum Rotation: String, Sendable, Hashable, CaseIterable {
        /// Each request starts one key further on, so load spreads over all keys.
        case roundRobin = "round-robin"
        /// Every request starts at the first usable key; the others are only used on failure.
        case ordered
    }

    public var name: String
    /// Variable names, in the order keys are numbered (`pool#1` is the first).
    public var variables: [String]
    /// The prefix a real key starts with (`hf_`, `sk-`), when known; `--check-env` warns on others.
    public var prefix: String?
    public var rotation: Rotation
    /// The longest a key may cool down, whatever a rule or a `Retry-After` header asks.
    public var maxCooldown: Duration
    public var source: SourceMap

    public init(
        name: String, variables: [String], prefix: String? = nil, rotation: Rotation = .roundRobin,
        maxCooldown: Duration = .seconds(600), source: SourceMap = .none
    ) {
        self.name = name
        self.variables = variables
        self.prefix = prefix
        self.rotation = rotation
        self.maxCooldown = maxCooldown
        self.source = source
    }

    /// The label of the key read from `variables[index]`: `pool#1` for the first variable.
    public func label(ofVariableAt index: Int) -> String { "\(name)#\(index + 1)" }
}
