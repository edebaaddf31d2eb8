/// Reads one YAML document into a `YAMLNode` tree: `YAMLEventReader` reads libyaml's events, and
/// `YAMLComposer` builds the tree from them.
public enum YAMLParser {
    /// Bounds that keep hostile or broken input from exhausting the stack or memory.
    public struct Limits: Sendable, Hashable {
        /// Deepest nesting of sequences and mappings accepted.
        public var maxDepth: Int
        /// Most nodes that aliases may add to the tree in total (refuses "billion laughs"). Every node an
        /// alias brings can carry its own diagnostics, so the budget also bounds the size of a report: under
        /// a budget of 1,000,000, a 10 KB file can make 400,000 diagnostics.
        public var maxAliasExpansion: Int

        public init(maxDepth: Int = 256, maxAliasExpansion: Int = 100_000) {
            self.maxDepth = maxDepth
            self.maxAliasExpansion = maxAliasExpansion
        }
    }

    public static func parse(_ text: String, limits: Limits = Limits()) throws(YAMLError) -> YAMLNode {
        try parse(Array(text.utf8), limits: limits)
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(YAMLError) -> YAMLNode {
        if bytes.isEmpty {
            throw YAMLError(.structure, "the file is empty: expected a YAML mapping", at: .start)
        }
        var composer = YAMLComposer(limits: limits)
        try YAMLEventReader.read(bytes) { event throws(YAMLError) in try composer.handle(event) }
        return try composer.result()
    }
}
