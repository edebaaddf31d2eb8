/// A YAML node with its source range. Aliases are already resolved and merge keys (`<<`) already
/// applied, so consumers see plain scalars, sequences and mappings.
///
/// A node is a cheap handle into its document's `YAMLTree`: copying one copies a reference, and an alias
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
    let index: Int32

    init(tree: YAMLTree, index: Int32) {
        self.tree = tree
        self.index = index
    }

    private var record: YAMLTree.Record { tree.records[Int(index)] }

    public var range: SourceRange { record.span.range }

    public var location: SourceLocation { record.start }

    public var tag: String? { tree.tag(of: index) }

    public var content: Content {
        let record = record
        switch record.kind {
        case .scalar:
            return .scalar(Scalar(value: tree.string(record), isPlain: record.isPlain, tag: tag))
        case .sequence:
            return .sequence(childIndices(record).map { YAMLNode(tree: tree, index: $0) })
        case .mapping:
            let indices = childIndices(record)
            return .mapping(stride(from: 0, to: indices.count, by: 2).map {
                Pair(key: YAMLNode(tree: tree, index: indices[indices.startIndex + $0]),
                     value: YAMLNode(tree: tree, index: indices[indices.startIndex + $0 + 1]))
            })
        }
    }

    private func childIndices(_ record: YAMLTree.Record) -> ArraySlice<Int32> {
        tree.children[Int(record.payload)..<Int(record.payload + record.count)]
    }

    /// Structural equality: same content, positions and tags (two parses of one file are equal).
    public static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        if lhs.tree === rhs.tree && lhs.index == rhs.index { return true }
        return lhs.range == rhs.range && lhs.tag == rhs.tag && lhs.content == rhs.content
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(range)
        hasher.combine(tag)
        hasher.combine(record.kind.rawValue)
        if let string { hasher.combine(string) }
    }
}

// MARK: - Convenience accessors

extension YAMLNode {
    public var scalar: Scalar? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return Scalar(value: tree.string(record), isPlain: record.isPlain, tag: tag)
    }

    public var sequence: [YAMLNode]? { items.map(Array.init) }

    public var mapping: [Pair]? { pairs.map(Array.init) }

    /// A sequence's items as a view into the tree (no copying), or nil when the node is not a sequence.
    public var items: Items? {
        let record = record
        guard record.kind == .sequence else { return nil }
        return Items(tree: tree, start: Int(record.payload), count: Int(record.count))
    }

    /// A mapping's entries as a view into the tree (no copying), or nil when the node is not a mapping.
    public var pairs: Pairs? {
        let record = record
        guard record.kind == .mapping else { return nil }
        return Pairs(tree: tree, start: Int(record.payload), count: Int(record.count) / 2)
    }

    public var isSequence: Bool { record.kind == .sequence }
    public var isMapping: Bool { record.kind == .mapping }

    /// The scalar text of a node, if it is a scalar.
    public var string: String? {
        let record = record
        return record.kind == .scalar ? tree.string(record) : nil
    }

    /// Calls `body` with a plain (unquoted) scalar's UTF-8 bytes, for the decoder's typed readers
    /// (integers, numbers, booleans); nil for a quoted scalar or a collection.
    func withPlainScalarBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        let record = record
        guard record.kind == .scalar && record.isPlain else { return nil }
        return try tree.withBytes(of: record, body)
    }

    /// True for a plain `null`, `~`, empty scalar, or an explicit `!!null`.
    public var isNull: Bool {
        let record = record
        guard record.kind == .scalar else { return false }
        if record.hasTag { return tree.tag(of: index) == "tag:yaml.org,2002:null" }
        guard record.isPlain else { return false }
        // Most scalars are longer than any spelling of null, and short ones ("512", "0.7", "text") rarely
        // start like one: decide on the length and the first byte before comparing.
        switch record.count {
        case 0: return true
        case 1: return tree.text[Int(record.payload)] == UInt8(ascii: "~")
        case 4:
            let first = tree.text[Int(record.payload)]
            guard first == UInt8(ascii: "n") || first == UInt8(ascii: "N") else { return false }
            return tree.scalar(record, equals: "null") || tree.scalar(record, equals: "Null")
                || tree.scalar(record, equals: "NULL")
        default: return false
        }
    }

    /// The value for a scalar key in a mapping, if present.
    public subscript(key: String) -> YAMLNode? {
        pairs?.first(withKey: key)?.value
    }

    /// A short human name of the node's kind, for messages ("a mapping", "a string", …).
    public var kindDescription: String {
        switch record.kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar: return isNull ? "null" : "a scalar"
        }
    }

    /// Calls `body` once for every scalar written in this node's document, keys included, in no
    /// particular order. A scalar reached through several aliases is visited once, at the place it was
    /// written. Cheaper than `forEachNode` when only the texts matter.
    func forEachScalarInDocument(_ body: (_ text: UnsafeBufferPointer<UInt8>, _ location: SourceLocation) -> Void) {
        tree.text.withUnsafeBufferPointer { text in
            for record in tree.records where record.kind == .scalar {
                body(record.text(in: text),
                     record.start)
            }
        }
    }

    /// Calls `body` on this node and every node below it, keys included, without recursion (so a deep
    /// tree cannot exhaust the stack).
    public func forEachNode(_ body: (YAMLNode) -> Void) {
        var stack: [YAMLNode] = [self]
        while let node = stack.popLast() {
            body(node)
            let record = node.record
            guard record.kind != .scalar else { continue }
            for child in node.childIndices(record).reversed() { stack.append(YAMLNode(tree: tree, index: child)) }
        }
    }
}

// MARK: - Views

extension YAMLNode {
    /// The items of a sequence node, read in place from the tree.
    public struct Items: RandomAccessCollection, Sendable {
        let tree: YAMLTree
        let start: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> YAMLNode {
            precondition(position >= 0 && position < count, "YAMLNode.Items index out of range")
            return YAMLNode(tree: tree, index: tree.children[start + position])
        }
    }

    /// The entries of a mapping node, read in place from the tree.
    public struct Pairs: RandomAccessCollection, Sendable {
        let tree: YAMLTree
        let start: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> Pair {
            precondition(position >= 0 && position < count, "YAMLNode.Pairs index out of range")
            let entry = start + position * 2
            return Pair(key: YAMLNode(tree: tree, index: tree.children[entry]),
                        value: YAMLNode(tree: tree, index: tree.children[entry + 1]))
        }

        /// The value of entry `position`, without making its key node.
        func value(at position: Int) -> YAMLNode {
            precondition(position >= 0 && position < count, "YAMLNode.Pairs index out of range")
            return YAMLNode(tree: tree, index: tree.children[start + position * 2 + 1])
        }

        /// The text of entry `position`'s key, or nil when the key is not a scalar. Reads the key's record in
        /// place, without making a pair.
        func keyText(at position: Int) -> String? {
            let record = tree.records[Int(tree.children[start + position * 2])]
            return record.kind == .scalar ? tree.string(record) : nil
        }

        /// The first entry whose key is the scalar `name`. Reads the key records in place instead of
        /// making a node and a string per key passed over: the decoder asks this for every field of every
        /// entity.
        func first(withKey name: String) -> Pair? {
            var entry = start
            let end = start + count * 2
            while entry < end {
                let key = tree.children[entry]
                let record = tree.records[Int(key)]
                if record.kind == .scalar && tree.scalar(record, equals: name) {
                    return Pair(key: YAMLNode(tree: tree, index: key),
                                value: YAMLNode(tree: tree, index: tree.children[entry + 1]))
                }
                entry += 2
            }
            return nil
        }
    }
}
