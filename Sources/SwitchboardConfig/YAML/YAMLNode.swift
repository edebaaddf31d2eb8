/// A YAML node with its source range. Aliases are already resolved and merge keys (`<<`) already
/// applied, so consumers see plain scalars, sequences and mappings.
///
/// Nodes are immutable and shared: an alias reuses its anchor's node, and passing a subtree around
/// costs a reference count rather than a copy of its children.
public final class YAMLNode: Sendable, Hashable {
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

    public let content: Content
    public let range: SourceRange
    public let tag: String?

    public init(_ content: Content, range: SourceRange, tag: String? = nil) {
        self.content = content
        self.range = range
        self.tag = tag
    }

    public static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        lhs === rhs || (lhs.range == rhs.range && lhs.tag == rhs.tag && lhs.content == rhs.content)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(range)
        hasher.combine(tag)
        hasher.combine(content)
    }

    public var location: SourceLocation { range.start }
}

// MARK: - Convenience accessors

extension YAMLNode {
    public var scalar: Scalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The scalar text of a node, if it is a scalar.
    public var string: String? { scalar?.value }

    /// True for a plain `null`, `~`, empty scalar, or an explicit `!!null`.
    public var isNull: Bool {
        guard let scalar else { return false }
        if scalar.tag == "tag:yaml.org,2002:null" { return true }
        guard scalar.isPlain, scalar.tag == nil else { return false }
        return scalar.value.isEmpty || scalar.value == "~" || scalar.value == "null"
            || scalar.value == "Null" || scalar.value == "NULL"
    }

    /// The value for a scalar key in a mapping, if present.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first(where: { $0.key.string == key })?.value
    }

    /// A short human name of the node's kind, for messages ("a mapping", "a string", …).
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            if isNull { return "null" }
            return "a scalar"
        }
    }

    /// Calls `body` on this node and every node below it, keys included, without recursion (so a deep
    /// tree cannot exhaust the stack).
    public func forEachNode(_ body: (YAMLNode) -> Void) {
        var stack: [YAMLNode] = [self]
        while let node = stack.popLast() {
            body(node)
            switch node.content {
            case .scalar: break
            case .sequence(let items): stack.append(contentsOf: items.reversed())
            case .mapping(let pairs):
                for pair in pairs.reversed() {
                    stack.append(pair.value)
                    stack.append(pair.key)
                }
            }
        }
    }
}
