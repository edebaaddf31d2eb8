/// The nodes of one parsed document in one array, children named by their index. A `YAMLNode` is a
/// handle into it, and an alias shares its anchor's node. Being flat, the tree is built, walked and
/// freed without recursion, so no nesting can exhaust the stack.
final class YAMLTree: Sendable {
    enum Kind: Sendable {
        case scalar
        case sequence
        case mapping
    }

    struct Node: Sendable {
        var kind: Kind
        var range: SourceRange
        var tag: String?
        /// A scalar written without quotes (so `42`, `true` and `null` are typed).
        var isPlain = false
        /// A scalar's text; empty for a collection.
        var text = ""
        /// A sequence's items, or a mapping's keys and values alternately.
        var children: [Int] = []
    }

    /// In the order they were completed: every scalar as written in the file, before the collection holding it.
    let nodes: [Node]

    init(nodes: [Node]) {
        self.nodes = nodes
    }
}
