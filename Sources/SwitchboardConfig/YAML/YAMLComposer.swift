/// Builds the node tree from parse events without recursion: resolves aliases against completed anchors,
/// applies merge keys (`<<`), and makes the checks libyaml leaves to its callers (duplicate keys, alias
/// cycles, alias bombs, nesting depth, a single document).
struct YAMLComposer {
    private let limits: YAMLParser.Limits

    /// An open collection, waiting for its end event. Frames are classes so that appending to the
    /// innermost one mutates it in place instead of copying its children each time.
    private enum Frame {
        case sequence(Sequence)
        case mapping(Mapping)
    }

    private final class Sequence {
        var anchor: String?
        var tag: String?
        var start: SourceLocation
        var items: [YAMLNode] = []
        var nodeCount = 1

        init(anchor: String?, tag: String?, start: SourceLocation) {
            self.anchor = anchor
            self.tag = tag
            self.start = start
        }
    }

    private final class Mapping {
        var anchor: String?
        var tag: String?
        var start: SourceLocation
        /// Entries in source order; a merge (`<<`) entry keeps its place among the explicit ones.
        var entries: [Entry] = []
        var pendingKey: YAMLNode?
        /// Explicit keys with their positions, for the duplicate check. Most mappings are small, so the
        /// list is searched in order until it grows past `indexThreshold`, then indexed.
        var explicitKeys: [(name: String, location: SourceLocation)] = []
        var keyIndex: [String: SourceLocation]?
        var hasMerge = false
        var nodeCount = 1
        static let indexThreshold = 12

        func firstLocation(of name: String) -> SourceLocation? {
            if let keyIndex { return keyIndex[name] }
            return explicitKeys.first(where: { $0.name == name })?.location
        }

        func insertKey(_ name: String, at location: SourceLocation) {
            explicitKeys.append((name, location))
            if keyIndex != nil {
                keyIndex?[name] = location
            } else if explicitKeys.count > Self.indexThreshold {
                keyIndex = Dictionary(explicitKeys.map { ($0.name, $0.location) }, uniquingKeysWith: { first, _ in first })
            }
        }

        init(anchor: String?, tag: String?, start: SourceLocation) {
            self.anchor = anchor
            self.tag = tag
            self.start = start
        }
    }

    private enum Entry {
        case pair(YAMLNode.Pair)
        /// Mappings merged in by `<<`, earliest first: in YAML's merge-key semantics the first wins.
        case merge([[YAMLNode.Pair]])

        var pair: YAMLNode.Pair? {
            if case .pair(let pair) = self { return pair }
            return nil
        }
    }

    private struct Anchored {
        var node: YAMLNode
        var nodeCount: Int
    }

    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    private var openAnchors: Set<String> = []
    private var aliasExpansion = 0
    private var documents = 0
    private var root: YAMLNode?

    init(limits: YAMLParser.Limits) {
        self.limits = limits
    }

    /// The single document's root node, once the stream has ended.
    func result() throws(YAMLError) -> YAMLNode {
        guard let root else {
            throw YAMLError(.structure, "the file is empty: expected a YAML mapping", at: .start)
        }
        return root
    }

    mutating func handle(_ event: YAMLEvent) throws(YAMLError) {
        switch event {
        case .ignored:
            return
        case .documentStart(let location):
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    .structure, "a second YAML document starts here; the file must hold exactly one",
                    at: location)
            }
        case .scalar(let scalar, let anchor, let range):
            let node = YAMLNode(.scalar(scalar), range: range, tag: scalar.tag)
            if let anchor { anchors[anchor] = Anchored(node: node, nodeCount: 1) }
            try add(node, nodeCount: 1)
        case .alias(let name, let range):
            try addAlias(name, range: range)
        case .sequenceStart(let anchor, let tag, let start):
            try push(.sequence(Sequence(anchor: anchor, tag: tag, start: start)), anchor: anchor, at: start)
        case .mappingStart(let anchor, let tag, let start):
            try push(.mapping(Mapping(anchor: anchor, tag: tag, start: start)), anchor: anchor, at: start)
        case .sequenceEnd(let end):
            guard case .sequence(let sequence)? = stack.popLast() else {
                throw YAMLError(.structure, "unexpected end of a sequence", at: end)
            }
            let node = YAMLNode(
                .sequence(sequence.items), range: SourceRange(start: sequence.start, end: end), tag: sequence.tag)
            try close(node, anchor: sequence.anchor, nodeCount: sequence.nodeCount)
        case .mappingEnd(let end):
            guard case .mapping(let mapping)? = stack.popLast() else {
                throw YAMLError(.structure, "unexpected end of a mapping", at: end)
            }
            let node = YAMLNode(
                .mapping(mapping.hasMerge ? Self.resolveMerges(mapping) : mapping.entries.compactMap(\.pair)),
                range: SourceRange(start: mapping.start, end: end), tag: mapping.tag)
            try close(node, anchor: mapping.anchor, nodeCount: mapping.nodeCount)
        }
    }

    // MARK: - Building

    private mutating func push(_ frame: Frame, anchor: String?, at location: SourceLocation) throws(YAMLError) {
        if stack.count >= limits.maxDepth {
            throw YAMLError(
                .structure, "nesting is deeper than \(limits.maxDepth) levels", at: location)
        }
        if let anchor { openAnchors.insert(anchor) }
        stack.append(frame)
    }

    private mutating func close(_ node: YAMLNode, anchor: String?, nodeCount: Int) throws(YAMLError) {
        if let anchor {
            openAnchors.remove(anchor)
            anchors[anchor] = Anchored(node: node, nodeCount: nodeCount)
        }
        try add(node, nodeCount: nodeCount)
    }

    private mutating func addAlias(_ name: String, range: SourceRange) throws(YAMLError) {
        if openAnchors.contains(name) {
            throw YAMLError(.alias, "alias '*\(name)' refers to a node that contains it (a cycle)", at: range.start)
        }
        guard let anchored = anchors[name] else {
            throw YAMLError(.alias, "alias '*\(name)' names no anchor defined before it", at: range.start)
        }
        aliasExpansion += anchored.nodeCount
        if aliasExpansion > limits.maxAliasExpansion {
            throw YAMLError(
                .alias,
                "aliases expand to more than \(limits.maxAliasExpansion) nodes (an alias bomb?)",
                at: range.start)
        }
        try add(anchored.node, nodeCount: anchored.nodeCount)
    }

    /// Adds a finished node to the innermost open collection, or makes it the document root.
    private mutating func add(_ node: YAMLNode, nodeCount: Int) throws(YAMLError) {
        guard let frame = stack.last else {
            root = node
            return
        }
        switch frame {
        case .sequence(let sequence):
            sequence.items.append(node)
            sequence.nodeCount += nodeCount
        case .mapping(let mapping):
            mapping.nodeCount += nodeCount
            if let key = mapping.pendingKey {
                mapping.pendingKey = nil
                try addEntry(key: key, value: node, to: mapping)
            } else {
                mapping.pendingKey = node
            }
        }
    }

    private func addEntry(key: YAMLNode, value: YAMLNode, to mapping: Mapping) throws(YAMLError) {
        if let scalar = key.scalar, scalar.isPlain, scalar.value == "<<" {
            mapping.entries.append(.merge(try Self.mergeSources(value)))
            mapping.hasMerge = true
            return
        }
        if let name = key.string {
            if let first = mapping.firstLocation(of: name) {
                throw YAMLError(
                    .duplicateKey, "duplicate key '\(name)' (first defined at \(first))", at: key.location)
            }
            mapping.insertKey(name, at: key.location)
        }
        mapping.entries.append(.pair(YAMLNode.Pair(key: key, value: value)))
    }

    // MARK: - Merge keys

    private static func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [[YAMLNode.Pair]] {
        switch value.content {
        case .mapping(let pairs):
            return [pairs]
        case .sequence(let items):
            var sources: [[YAMLNode.Pair]] = []
            for item in items {
                guard let pairs = item.mapping else {
                    throw YAMLError(
                        .structure, "a merge key ('<<') takes a mapping or a list of mappings, not \(item.kindDescription)",
                        at: item.location)
                }
                sources.append(pairs)
            }
            return sources
        case .scalar:
            throw YAMLError(
                .structure, "a merge key ('<<') takes a mapping or a list of mappings, not \(value.kindDescription)",
                at: value.location)
        }
    }

    /// Explicit keys win over merged ones; among merged mappings the earlier wins.
    private static func resolveMerges(_ mapping: Mapping) -> [YAMLNode.Pair] {
        let explicit = Set(mapping.explicitKeys.map(\.name))
        var pairs: [YAMLNode.Pair] = []
        var merged: Set<String> = []
        for entry in mapping.entries {
            switch entry {
            case .pair(let pair):
                pairs.append(pair)
            case .merge(let sources):
                for source in sources {
                    for pair in source {
                        guard let name = pair.key.string else { continue }
                        if explicit.contains(name) || merged.contains(name) { continue }
                        merged.insert(name)
                        pairs.append(pair)
                    }
                }
            }
        }
        return pairs
    }
}
