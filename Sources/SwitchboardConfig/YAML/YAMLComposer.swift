/// Builds a `YAMLTree` from parse events (one method per kind of event) without recursion: resolves aliases against completed anchors,
/// applies merge keys (`<<`), and makes the checks libyaml leaves to its callers (duplicate keys, alias
/// cycles, alias bombs, nesting depth, a single document).
///
/// Finished nodes wait on `pending` until their collection closes; then their indices move to
/// `children` in one block.
struct YAMLComposer {
    private let limits: YAMLParser.Limits

    /// An open collection, waiting for its end event. A value type on `stack` holding no references, so
    /// opening a collection allocates nothing and reading or updating a frame retains nothing; what only
    /// some collections need lives in `extras`.
    private struct Frame {
        let kind: YAMLTree.Kind
        /// When the anchor was defined, in document order (anchors can be redefined; the latest wins);
        /// 0 without an anchor.
        let anchorOrdinal: Int
        let start: SourceLocation
        /// Where this collection's children begin on `pending`.
        let pendingStart: Int
        var size: Int32 = 1
        /// Mappings: a key waiting for its value (keys go to `pending` only with their value, so that a
        /// merge key never lands there).
        var pendingKey: Int32?
        /// Where the pending key was written, when it was an alias.
        var pendingKeyLocation: SourceLocation?
        /// Whether `extras` holds an entry for this frame.
        var hasExtras = false
        /// Mappings past this many keys index them by name; smaller ones are checked for duplicates by
        /// scanning their keys on `pending`.
        static let indexThreshold = 12

        init(kind: YAMLTree.Kind, anchorOrdinal: Int, start: SourceLocation, pendingStart: Int) {
            self.kind = kind
            self.anchorOrdinal = anchorOrdinal
            self.start = start
            self.pendingStart = pendingStart
        }
    }

    /// What a few open collections need besides their `Frame`.
    private struct FrameExtras {
        var anchor: String?
        var tag: String?
        /// Mappings: explicit keys by name, once the mapping grows past `Frame.indexThreshold`.
        var keyIndex: [String: SourceLocation]?
        /// Mappings: where keys written as aliases were written, by their pair number.
        var aliasKeyLocations: [(pair: Int, location: SourceLocation)] = []
        /// Mappings: merged sources by the number of explicit pairs before the `<<`, earliest first.
        var merges: [(position: Int, sources: [Int32])] = []
    }

    private var records: [YAMLTree.Record] = []
    private var children: [Int32] = []
    private var text: [UInt8] = []
    private var tags: [String] = []
    private var tagIndex: [String: Int32] = [:]
    private var tagOfNode: [Int32: Int32] = [:]

    private var stack: [Frame] = []
    /// Extras of open collections, by their depth on `stack` (an entry only when `hasExtras` is set).
    private var extras: [Int: FrameExtras] = [:]
    private var pending: [Int32] = []
    /// Completed anchored nodes, with the ordinal of their definition and their number of nodes (what an
    /// alias to them adds to the tree, for the alias-expansion budget).
    private var anchors: [String: (index: Int32, ordinal: Int, size: Int32)] = [:]
    private var anchorCount = 0
    private var aliasExpansion = 0
    private var documents = 0
    private var root: Int32?

    /// `inputBytes` sizes the node arrays up front: growing them by doubling copies every record several
    /// times over and touches twice the memory. Reserved pages that are never written cost nothing.
    init(limits: YAMLParser.Limits, inputBytes: Int = 0) {
        self.limits = limits
        // About one node per 9 bytes in typical providers.yaml files; the cap keeps a huge scalar-only
        // file from reserving gigabytes it will not use. Scalars' text is at most the file's.
        let nodes = min(inputBytes / 8, 1 << 22)
        records.reserveCapacity(nodes)
        children.reserveCapacity(nodes)
        text.reserveCapacity(min(inputBytes, 1 << 26))
    }

    /// The single document's root node, once the stream has ended.
    func result() throws(YAMLError) -> YAMLNode {
        guard let root else {
            throw YAMLError(.structure, "the file is empty: expected a YAML mapping", at: .start)
        }
        let tree = YAMLTree(records: records, children: children, text: text, tags: tags, tagOfNode: tagOfNode)
        return YAMLNode(tree: tree, index: root)
    }

    // MARK: - Events, as `YAMLParser` reads them

    mutating func documentStart(at location: SourceLocation) throws(YAMLError) {
        documents += 1
        if documents > 1 {
            throw YAMLError(
                .structure, "a second YAML document starts here; the file must hold exactly one", at: location)
        }
    }

    /// Adds scalar texts to the tree's text (a batch's at once); returns where they start. `location` is
    /// where the error points if the file's scalars grow past what a node can address.
    mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>, at location: SourceLocation) throws(YAMLError) -> Int {
        let offset = text.count
        guard offset <= Int(Int32.max) - bytes.count else {
            throw YAMLError(.structure, "the file's text is too large (over 2 GiB of scalars)", at: location)
        }
        text.append(contentsOf: bytes)
        return offset
    }

    /// A scalar whose UTF-8 text is already in the tree's text (`appendText`), `count` bytes at `offset`.
    mutating func scalar(
        textAt offset: Int, count: Int, isPlain: Bool, tag: String?, anchor: String?, span: PackedRange
    ) throws(YAMLError) {
        let isASCII = text.withUnsafeBufferPointer {
            YAMLTree.isASCII(UnsafeBufferPointer(rebasing: $0[offset..<offset + count]))
        }
        let index = append(
            kind: .scalar, isPlain: isPlain, span: span, tag: tag, payload: Int32(offset), count: Int32(count),
            isASCII: isASCII)
        if let anchor {
            anchorCount += 1
            anchors[anchor] = (index, anchorCount, 1)
        }
        try add(index, size: 1)
    }

    mutating func alias(_ name: String, at location: SourceLocation) throws(YAMLError) {
        try addAlias(name, at: location)
    }

    mutating func collectionStart(
        _ kind: YAMLTree.Kind, anchor: String?, tag: String?, at location: SourceLocation
    ) throws(YAMLError) {
        try push(kind, anchor: anchor, tag: tag, at: location)
    }

    mutating func collectionEnd(at end: SourceLocation) throws(YAMLError) {
        guard let frame = stack.popLast() else {
            throw YAMLError(.structure, "unexpected end of a collection", at: end)
        }
        let frameExtras = frame.hasExtras ? extras.removeValue(forKey: stack.count) : nil
        let first = Int32(children.count)
        if frame.kind == .mapping, let frameExtras, !frameExtras.merges.isEmpty {
            appendMerged(frame, frameExtras)
        } else {
            children.append(contentsOf: pending[frame.pendingStart...])
        }
        pending.removeSubrange(frame.pendingStart...)
        let index = append(
            kind: frame.kind, isPlain: false, span: PackedRange(SourceRange(start: frame.start, end: end)),
            tag: frameExtras?.tag,
            payload: first, count: Int32(children.count) - first, isASCII: false)
        // A later definition of the same name (inside this node) stays the one aliases see.
        if let anchor = frameExtras?.anchor, (anchors[anchor]?.ordinal ?? 0) < frame.anchorOrdinal {
            anchors[anchor] = (index, frame.anchorOrdinal, frame.size)
        }
        try add(index, size: frame.size)
    }

    // MARK: - Building

    private mutating func append(
        kind: YAMLTree.Kind, isPlain: Bool, span: PackedRange, tag: String?, payload: Int32, count: Int32,
        isASCII: Bool
    ) -> Int32 {
        records.append(YAMLTree.Record(
            span: span, payload: payload, count: count, kind: kind, isPlain: isPlain, hasTag: tag != nil, isASCII: isASCII))
        let index = Int32(records.count - 1)
        if let tag { tagOfNode[index] = intern(tag) }
        return index
    }

    private mutating func intern(_ tag: String) -> Int32 {
        if let index = tagIndex[tag] { return index }
        tags.append(tag)
        let index = Int32(tags.count - 1)
        tagIndex[tag] = index
        return index
    }

    private mutating func push(_ kind: YAMLTree.Kind, anchor: String?, tag: String?, at location: SourceLocation)
        throws(YAMLError)
    {
        if stack.count >= limits.maxDepth {
            throw YAMLError(.structure, "nesting is deeper than \(limits.maxDepth) levels", at: location)
        }
        var ordinal = 0
        if anchor != nil {
            anchorCount += 1
            ordinal = anchorCount
        }
        var frame = Frame(kind: kind, anchorOrdinal: ordinal, start: location, pendingStart: pending.count)
        if anchor != nil || tag != nil {
            frame.hasExtras = true
            extras[stack.count] = FrameExtras(anchor: anchor, tag: tag)
        }
        stack.append(frame)
    }

    private mutating func addAlias(_ name: String, at location: SourceLocation) throws(YAMLError) {
        // The latest definition of the name decides: if it is a node still open around us, it is a cycle.
        var openDepth = -1
        var openOrdinal = 0
        for (depth, frameExtras) in extras where frameExtras.anchor == name && depth > openDepth {
            openDepth = depth
            openOrdinal = stack[depth].anchorOrdinal
        }
        if openOrdinal > (anchors[name]?.ordinal ?? 0) {
            throw YAMLError(
                .alias, "alias '*\(SafeText.excerpt(name))' refers to a node that contains it (a cycle)", at: location)
        }
        guard let anchor = anchors[name] else {
            throw YAMLError(
                .alias, "alias '*\(SafeText.excerpt(name))' names no anchor defined before it", at: location)
        }
        aliasExpansion += Int(anchor.size)
        if aliasExpansion > limits.maxAliasExpansion {
            throw YAMLError(
                .alias, "aliases expand to more than \(limits.maxAliasExpansion) nodes (an alias bomb?)",
                at: location)
        }
        try add(anchor.index, size: anchor.size, at: location)
    }

    /// Adds a finished node of `size` nodes to the innermost open collection, or makes it the document
    /// root. `location` is where the node was written when that is not its own start (an alias).
    private mutating func add(_ index: Int32, size: Int32, at location: SourceLocation? = nil) throws(YAMLError) {
        guard !stack.isEmpty else {
            root = index
            return
        }
        let top = stack.count - 1
        // Saturates: the alias budget (far below Int32.max) is what refuses a huge expansion.
        stack[top].size = stack[top].size > Int32.max - size ? Int32.max : stack[top].size + size
        guard stack[top].kind == .mapping else {
            pending.append(index)
            return
        }
        guard let key = stack[top].pendingKey else {
            stack[top].pendingKey = index
            stack[top].pendingKeyLocation = location
            return
        }
        stack[top].pendingKey = nil
        let keyRecord = records[Int(key)]
        guard keyRecord.kind == .scalar else {
            pending.append(key)
            pending.append(index)
            return
        }
        let aliasLocation = stack[top].pendingKeyLocation
        let keyLocation = aliasLocation ?? keyRecord.start
        let pairNumber = (pending.count - stack[top].pendingStart) / 2
        if keyRecord.isPlain && keyRecord.count == 2 && isMergeKey(keyRecord) {
            let sources = try mergeSources(index, writtenAt: location)
            stack[top].hasExtras = true
            extras[top, default: FrameExtras()].merges.append((position: pairNumber, sources: sources))
            return
        }
        if let first = firstLocation(of: keyRecord, inFrame: top) {
            let name = string(keyRecord)
            throw YAMLError(
                .duplicateKey, "duplicate key '\(SafeText.excerpt(name))' (first defined at \(first))", at: keyLocation)
        }
        if let aliasLocation {
            stack[top].hasExtras = true
            extras[top, default: FrameExtras()].aliasKeyLocations.append((pairNumber, aliasLocation))
        }
        if stack[top].hasExtras, extras[top]?.keyIndex != nil {
            let name = string(keyRecord)
            extras[top]?.keyIndex?[name] = keyLocation
        } else if pairNumber + 1 > Frame.indexThreshold {
            var keyIndex: [String: SourceLocation] = [string(keyRecord): keyLocation]
            forEachExplicitKey(from: stack[top].pendingStart, aliases: aliasKeyLocations(ofFrame: top)) {
                keyName, keyLocation in
                if keyIndex[keyName] == nil { keyIndex[keyName] = keyLocation }
            }
            stack[top].hasExtras = true
            extras[top, default: FrameExtras()].keyIndex = keyIndex
        }
        pending.append(key)
        pending.append(index)
    }

    /// Where the scalar `key` was first written as a key of the open mapping `stack[top]`, if it was.
    /// (Frames are named by position: passing one by value next to `self` would copy the whole composer.)
    private func firstLocation(of key: YAMLTree.Record, inFrame top: Int) -> SourceLocation? {
        if stack[top].hasExtras, let keyIndex = extras[top]?.keyIndex { return keyIndex[string(key)] }
        let start = stack[top].pendingStart
        return text.withUnsafeBufferPointer { text in
            let name = key.text(in: text)
            var entry = start
            while entry + 1 < pending.count {
                let record = records[Int(pending[entry])]
                if record.kind == .scalar && (record.count == key.count || !(record.isASCII && key.isASCII))
                    && YAMLTree.textsEqual(
                        record.text(in: text),
                        isASCII: record.isASCII, name, isASCII: key.isASCII)
                {
                    let pair = (entry - start) / 2
                    return aliasKeyLocations(ofFrame: top).first(where: { $0.pair == pair })?.location ?? record.start
                }
                entry += 2
            }
            return nil
        }
    }

    private func string(_ record: YAMLTree.Record) -> String {
        text.withUnsafeBufferPointer { text in
            String(decoding: record.text(in: text), as: UTF8.self)
        }
    }

    /// Whether a two-byte scalar is `<<`.
    private func isMergeKey(_ record: YAMLTree.Record) -> Bool {
        text[Int(record.payload)] == UInt8(ascii: "<") && text[Int(record.payload) + 1] == UInt8(ascii: "<")
    }

    private func aliasKeyLocations(ofFrame depth: Int) -> [(pair: Int, location: SourceLocation)] {
        stack[depth].hasExtras ? extras[depth]?.aliasKeyLocations ?? [] : []
    }

    /// The scalar keys of an open mapping so far (merge keys excluded), in file order.
    private func forEachExplicitKey(
        from start: Int, aliases: [(pair: Int, location: SourceLocation)], _ body: (String, SourceLocation) -> Void
    ) {
        var entry = start
        while entry + 1 < pending.count {
            let record = records[Int(pending[entry])]
            if record.kind == .scalar {
                let pair = (entry - start) / 2
                let location = aliases.first(where: { $0.pair == pair })?.location ?? record.start
                body(string(record), location)
            }
            entry += 2
        }
    }

    // MARK: - Merge keys

    /// The mappings a `<<` value names: one mapping or a list of mappings. `writtenAt` is the alias's
    /// position when the value is an alias, so errors point at the merge, not at the anchor.
    private func mergeSources(_ index: Int32, writtenAt: SourceLocation?) throws(YAMLError) -> [Int32] {
        let record = records[Int(index)]
        let valueLocation = writtenAt ?? location(of: index)
        switch record.kind {
        case .mapping:
            return [index]
        case .sequence:
            let items = Array(children[Int(record.payload)..<Int(record.payload + record.count)])
            for item in items where records[Int(item)].kind != .mapping {
                // An item that starts before its list is an alias; point at the list instead.
                let itemLocation = location(of: item)
                throw YAMLError(
                    .structure, "a merge key ('<<') takes a mapping or a list of mappings",
                    at: itemLocation < valueLocation ? valueLocation : itemLocation)
            }
            return items
        case .scalar:
            throw YAMLError(
                .structure, "a merge key ('<<') takes a mapping or a list of mappings, not a scalar",
                at: valueLocation)
        }
    }

    /// Appends a mapping's pairs to `children`: explicit keys win over merged ones, and among merged
    /// mappings the earlier wins. Merged pairs take the place of their `<<`.
    private mutating func appendMerged(_ frame: Frame, _ frameExtras: FrameExtras) {
        var explicit: Set<String> = []
        forEachExplicitKey(from: frame.pendingStart, aliases: frameExtras.aliasKeyLocations) { name, _ in
            explicit.insert(name)
        }
        var merged: Set<String> = []
        let pairs = Array(pending[frame.pendingStart...])
        var mergeIndex = 0
        for position in 0...(pairs.count / 2) {
            while mergeIndex < frameExtras.merges.count, frameExtras.merges[mergeIndex].position == position {
                for source in frameExtras.merges[mergeIndex].sources {
                    let record = records[Int(source)]
                    var entry = Int(record.payload)
                    while entry < Int(record.payload + record.count) {
                        let key = children[entry]
                        let value = children[entry + 1]
                        entry += 2
                        let keyRecord = records[Int(key)]
                        guard keyRecord.kind == .scalar else { continue }
                        let name = string(keyRecord)
                        if explicit.contains(name) || merged.contains(name) { continue }
                        merged.insert(name)
                        children.append(key)
                        children.append(value)
                    }
                }
                mergeIndex += 1
            }
            if position < pairs.count / 2 {
                children.append(pairs[position * 2])
                children.append(pairs[position * 2 + 1])
            }
        }
    }

    private func location(of index: Int32) -> SourceLocation {
        records[Int(index)].start
    }
}
