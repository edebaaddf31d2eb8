/// A YAML node with its source range. Aliases are already resolved and merge keys (`<<`) already
/// applied, so consumers see plain scalars, sequences and mappings.
///
/// A node is a handle into its document's `YAMLTree`: copying one copies a reference, and an alias
/// shares its anchor's node.
public struct YAMLNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    /// A scalar as written: its text, whether it was plain (unquoted, so `42`, `true` and `null` are
    /// typed) and its explicit tag, if any.
    public struct Scalar: Sendable, Hashable {
        public var value: String
        public var isPlain: Bool
        public var tag: String?

        public init(value: String, isPlain: Bool = true, tag: String? = nil) {
            self.value = value
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    /// A mapping entry. Both the key and the value keep their own source range.
    public struct Pair: Sendable, Hashable {
        public var key: YAMLNode
        public var value: YAMLNode

        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    let tree: YAMLTree
    let index: Int

    init(tree: YAMLTree, index: Int) {
        self.tree = tree
        self.index = index
    }

    private var node: YAMLTree.Node { tree.nodes[index] }

    public var range: SourceRange { node.range }

    public var location: SourceLocation { node.range.start }

    public var tag: String? { node.tag }

    public var content: Content {
        let node = node
        switch node.kind {
        case .scalar: return .scalar(Scalar(value: node.text, isPlain: node.isPlain, tag: node.tag))
        case .sequence: return .sequence(children(node))
        case .mapping: return .mapping(pairs(node))
        }
    }

    private func children(_ node: YAMLTree.Node) -> [YAMLNode] {
        node.children.map { YAMLNode(tree: tree, index: $0) }
    }

    private func pairs(_ node: YAMLTree.Node) -> [Pair] {
        stride(from: 0, to: node.children.count, by: 2).map {
            Pair(key: YAMLNode(tree: tree, index: node.children[$0]),
                 value: YAMLNode(tree: tree, index: node.children[$0 + 1]))
        }
    }

    /// Structural equality: same content, positions and tags (two parses of one file are equal).
    public static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        if lhs.tree === rhs.tree && lhs.index == rhs.index { return true }
        return lhs.range == rhs.range && lhs.tag == rhs.tag && lhs.content == rhs.content
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(range)
        hasher.combine(tag)
        hasher.combine(string)
    }
}

// MARK: - Convenience accessors

extension YAMLNode {
    public var scalar: Scalar? {
        let node = node
        return node.kind == .scalar ? Scalar(value: node.text, isPlain: node.isPlain, tag: node.tag) : nil
    }

    public var sequence: [YAMLNode]? {
        let node = node
        return node.kind == .sequence ? children(node) : nil
    }

    public var mapping: [Pair]? {
        let node = node
        return node.kind == .mapping ? pairs(node) : nil
    }

    public var isSequence: Bool { node.kind == .sequence }
    public var isMapping: Bool { node.kind == .mapping }

    /// The scalar text of a node, if it is a scalar.
    public var string: String? {
        let node = node
        return node.kind == .scalar ? node.text : nil
    }

    /// True for a plain `null`, `~`, empty scalar, or an explicit `!!null`.
    public var isNull: Bool {
        let node = node
        guard node.kind == .scalar else { return false }
        if let tag = node.tag { return tag == "tag:yaml.org,2002:null" }
        return node.isPlain && ["", "~", "null", "Null", "NULL"].contains(node.text)
    }

    /// The value for a scalar key in a mapping, if present.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.string == key }?.value
    }

    /// A short human name of the node's kind, for messages ("a mapping", "a string", …).
    public var kindDescription: String {
        switch node.kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar: return isNull ? "null" : "a scalar"
        }
    }

    /// Calls `body` once for every scalar written in this node's document, keys included, in document
    /// order: also those a merge left out of the tree, and a scalar reached through several aliases once.
    func forEachScalarInDocument(_ body: (_ text: String, _ location: SourceLocation) -> Void) {
        for node in tree.nodes where node.kind == .scalar { body(node.text, node.range.start) }
    }

    /// Calls `body` on this node and every node below it, keys included, without recursion (so a deep
    /// tree cannot exhaust the stack).
    public func forEachNode(_ body: (YAMLNode) -> Void) {
        var stack = [index]
        while let index = stack.popLast() {
            body(YAMLNode(tree: tree, index: index))
            stack += tree.nodes[index].children.reversed()
        }
    }
}
