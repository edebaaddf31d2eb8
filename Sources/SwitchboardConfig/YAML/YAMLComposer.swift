/// Builds a `YAMLTree` from parse events without recursion: resolves aliases against completed anchors,
/// applies merge keys (`<<`), and makes the checks libyaml leaves to its callers (duplicate keys, alias
/// cycles, alias bombs, nesting depth, a single document).
struct YAMLComposer {
    private let limits: YAMLParser.Limits

    /// A collection whose end event has not come yet.
    private struct Frame {
        let kind: YAMLTree.Kind
        let start: SourceLocation
        let tag: String?
        let anchor: String?
        /// When the anchor was defined, in document order (a name can be redefined, and the latest
        /// definition wins); 0 without an anchor.
        let anchorOrdinal: Int
        var children: [Int] = []
        /// Nodes in this collection, itself included, counting what aliases bring: what an alias to it
        /// adds to the alias-expansion budget.
        var size = 1
        /// Mappings: a key waiting for its value, and where it was written when it was an alias.
        var pendingKey: (index: Int, aliasLocation: SourceLocation?)?
        /// Mappings: where each scalar key was written, for the duplicate check. Keys are compared as
        /// Swift compares strings (canonical equivalence), as the decoder will compare them.
        var keys: [String: SourceLocation] = [:]
        /// Mappings: the mappings each `<<` names, with the number of pairs written before it.
        var merges: [(position: Int, sources: [Int])] = []
    }

    private var nodes: [YAMLTree.Node] = []
    private var stack: [Frame] = []
    /// Completed anchored nodes, with the ordinal of their definition and their size.
    private var anchors: [String: (index: Int, ordinal: Int, size: Int)] = [:]
    private var anchorCount = 0
    private var aliasExpansion = 0
    private var documents = 0
    private var root: Int?

    init(limits: YAMLParser.Limits) {
        self.limits = limits
    }

    /// The single document's root node, once the stream has ended.
    func result() throws(YAMLError) -> YAMLNode {
        guard let root else {
            throw YAMLError(.structure, "the file is empty: expected a YAML mapping", at: .start)
        }
        return YAMLNode(tree: YAMLTree(nodes: nodes), index: root)
    }

    mutating func handle(_ event: YAMLEvent) throws(YAMLError) {
        switch event {
        case .documentStart(let location):
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    .structure, "a second YAML document starts here; the file must hold exactly one", at: location)
            }
        case .scalar(let text, let isPlain, let tag, let anchor, let range):
            nodes.append(YAMLTree.Node(kind: .scalar, range: range, tag: tag, isPlain: isPlain, text: text))
            let index = nodes.count - 1
            if let anchor {
                anchorCount += 1
                anchors[anchor] = (index, anchorCount, 1)
            }
            try add(index, size: 1)
        case .collectionStart(let kind, let tag, let anchor, let location):
            if stack.count >= limits.maxDepth {
                throw YAMLError(.structure, "nesting is deeper than \(limits.maxDepth) levels", at: location)
            }
            if anchor != nil { anchorCount += 1 }
            stack.append(Frame(
                kind: kind, start: location, tag: tag, anchor: anchor, anchorOrdinal: anchor == nil ? 0 : anchorCount))
        case .collectionEnd(let end):
            try endCollection(at: end)
        case .alias(let name, let location):
            try alias(name, at: location)
        }
    }

    // MARK: - Building

    private mutating func endCollection(at end: SourceLocation) throws(YAMLError) {
        guard let frame = stack.popLast() else {
            throw YAMLError(.structure, "unexpected end of a collection", at: end)
        }
        let children = frame.merges.isEmpty ? frame.children : merged(frame)
        nodes.append(YAMLTree.Node(
            kind: frame.kind, range: SourceRange(start: frame.start, end: end), tag: frame.tag, children: children))
        let index = nodes.count - 1
        // A later definition of the same name (inside this node) stays the one aliases see.
        if let anchor = frame.anchor, (anchors[anchor]?.ordinal ?? 0) < frame.anchorOrdinal {
            anchors[anchor] = (index, frame.anchorOrdinal, frame.size)
        }
        try add(index, size: frame.size)
    }

    private mutating func alias(_ name: String, at location: SourceLocation) throws(YAMLError) {
        // The latest definition of the name decides: if it is a node still open around us, it is a cycle.
        if let open = stack.last(where: { $0.anchor == name }), open.anchorOrdinal > (anchors[name]?.ordinal ?? 0) {
            throw YAMLError(
                .alias, "alias '*\(SafeText.excerpt(name))' refers to a node that contains it (a cycle)", at: location)
        }
        guard let anchor = anchors[name] else {
            throw YAMLError(
                .alias, "alias '*\(SafeText.excerpt(name))' names no anchor defined before it", at: location)
        }
        aliasExpansion += anchor.size
        if aliasExpansion > limits.maxAliasExpansion {
            throw YAMLError(
                .alias, "aliases expand to more than \(limits.maxAliasExpansion) nodes (an alias bomb?)", at: location)
        }
        try add(anchor.index, size: anchor.size, aliasLocation: location)
    }

    /// Adds a finished node to the innermost open collection, or makes it the document root.
    /// `aliasLocation` is where an alias to the node was written.
    private mutating func add(_ index: Int, size: Int, aliasLocation: SourceLocation? = nil) throws(YAMLError) {
        guard !stack.isEmpty else {
            root = index
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        guard stack[top].kind == .mapping else {
            stack[top].children.append(index)
            return
        }
        guard let (key, keyAliasLocation) = stack[top].pendingKey else {
            stack[top].pendingKey = (index, aliasLocation)
            return
        }
        stack[top].pendingKey = nil
        let keyNode = nodes[key]
        // Non-scalar keys are left to the schema.
        guard keyNode.kind == .scalar else {
            stack[top].children += [key, index]
            return
        }
        if keyNode.isPlain && keyNode.text == "<<" {
            let sources = try mergeSources(index, writtenAt: aliasLocation)
            stack[top].merges.append((position: stack[top].children.count / 2, sources: sources))
            return
        }
        let keyLocation = keyAliasLocation ?? keyNode.range.start
        if let first = stack[top].keys[keyNode.text] {
            throw YAMLError(
                .duplicateKey, "duplicate key '\(SafeText.excerpt(keyNode.text))' (first defined at \(first))",
                at: keyLocation)
        }
        stack[top].keys[keyNode.text] = keyLocation
        stack[top].children += [key, index]
    }

    // MARK: - Merge keys

    /// The mappings a `<<` value names: one mapping or a list of mappings. `writtenAt` is the alias's
    /// position when the value is an alias, so errors point at the merge, not at the anchor.
    private func mergeSources(_ index: Int, writtenAt: SourceLocation?) throws(YAMLError) -> [Int] {
        let node = nodes[index]
        let valueLocation = writtenAt ?? node.range.start
        switch node.kind {
        case .mapping:
            return [index]
        case .sequence:
            for item in node.children where nodes[item].kind != .mapping {
                // An item that starts before its list is an alias; point at the list instead.
                let itemLocation = nodes[item].range.start
                throw YAMLError(
                    .structure, "a merge key ('<<') takes a mapping or a list of mappings",
                    at: itemLocation < valueLocation ? valueLocation : itemLocation)
            }
            return node.children
        case .scalar:
            throw YAMLError(
                .structure, "a merge key ('<<') takes a mapping or a list of mappings, not a scalar",
                at: valueLocation)
        }
    }

    /// A mapping's pairs with its merges applied: explicit keys win over merged ones, and among merged
    /// mappings the earlier wins. Merged pairs take the place of their `<<`.
    private func merged(_ frame: Frame) -> [Int] {
        var children: [Int] = []
        var mergedKeys: Set<String> = []
        let pairCount = frame.children.count / 2
        var merges = frame.merges[...]
        for position in 0...pairCount {
            while let merge = merges.first, merge.position == position {
                merges.removeFirst()
                for source in merge.sources {
                    let pairs = nodes[source].children
                    for entry in stride(from: 0, to: pairs.count, by: 2) {
                        let key = nodes[pairs[entry]]
                        guard key.kind == .scalar, frame.keys[key.text] == nil,
                            mergedKeys.insert(key.text).inserted
                        else { continue }
                        children += [pairs[entry], pairs[entry + 1]]
                    }
                }
            }
            if position < pairCount {
                children += [frame.children[position * 2], frame.children[position * 2 + 1]]
            }
        }
        return children
    }
}
