/// Reads one mapping of the schema: checks the node is a mapping, reports keys the schema does not know
/// (with the nearest known one), and records where each field was written.
///
/// Keys starting with `x-` are ignored everywhere, so a file can keep anchors for merge keys (`<<`) in
/// blocks like `x-defaults:` without tripping the unknown-field check.
struct MappingReader {
    let what: Subject
    /// Backed by the mapping itself: reading an entity records no positions; a message looks them up.
    /// Made when asked for rather than stored: a stored map made the reader (returned as an optional, so
    /// copied) twice as large, and most readers ask for it once, for the entity they produce.
    var source: SourceMap { SourceMap(mapping: node, nameLocation: givenNameLocation) }
    /// Where the entity is named: its key in the parent mapping, or the mapping itself.
    var nameLocation: SourceLocation { givenNameLocation ?? node.location }
    /// The mapping itself: its entries hold the tree, so the node is only its index (one reference to
    /// retain per reader, not two).
    private var node: YAMLNode { YAMLNode(tree: pairs.tree, index: nodeIndex) }
    private let nodeIndex: Int32
    private let givenNameLocation: SourceLocation?
    private let pairs: YAMLNode.Pairs
    private let known: KnownKeys
    /// Where the first eight known fields were written, found while checking the keys: byte `i` is one
    /// plus the pair position of `known[i]`, or 0 when it is absent. `value(known:)` then reads a field
    /// without comparing names again (a target's four fields cost ten string comparisons otherwise).
    /// Mappings of 255 pairs or more are searched by name instead.
    private let slots: UInt64
    private var hasSlots: Bool { pairs.count < 255 }

    /// Nil (with a `wrong-type` diagnostic) when `node` is not a mapping.
    init?(
        _ node: YAMLNode, what: Subject, known: KnownKeys, nameLocation: SourceLocation? = nil,
        diagnostics: inout [Diagnostic]
    ) {
        guard let pairs = node.pairs else {
            diagnostics.append(
                .error(.wrongType, "\(what) must be a mapping, found \(node.kindDescription)", at: node.location))
            return nil
        }
        // The keys are checked before any stored property is set: filling `self` in first made the
        // compiler copy the whole reader (and retain its fields) on the way out.
        var slots: UInt64 = 0
        let hasSlots = pairs.count < 255
        // Keys are compared in place; a string or a pair is made only for a message.
        for position in pairs.indices {
            switch pairs.match(keyAt: position, in: known) {
            case .notAScalar:
                let key = pairs.key(at: position)
                diagnostics.append(
                    .error(.wrongType, "keys in \(what) must be plain names, found \(key.kindDescription)",
                           at: key.location))
                continue
            case .extension:
                continue
            case .field(let slot) where slot < known.count:
                // The composer refused duplicate keys, so each known field is met at most once.
                if slot < 8 && hasSlots { slots |= UInt64(position + 1) << UInt64(slot * 8) }
                continue
            case .field, .empty:
                break
            }
            let name = pairs.keyText(at: position) ?? ""
            diagnostics.append(
                .error(.unknownField,
                       "unknown field '\(SafeText.excerpt(name))' in \(what)" + Suggestion.hint(for: name, in: known.names),
                       at: pairs[position].key.location))
        }
        self.what = what
        self.pairs = pairs
        self.known = known
        self.nodeIndex = node.index
        self.givenNameLocation = nameLocation
        self.slots = slots
    }

    /// The field's value, or nil when absent or written as `null`.
    func value(_ name: String) -> YAMLNode? {
        // Only known names are asked for, and the composer refused duplicate keys: the first match is the field.
        guard let value = pairs.first(withKey: name)?.value, !value.isNull else { return nil }
        return value
    }

    /// The value of `known[slot]`, or nil when absent or written as `null`; the same as `value(known[slot])`.
    func value(known slot: Int) -> YAMLNode? {
        guard slot < 8 && hasSlots else { return value(known[slot]) }
        let entry = Int((slots >> UInt64(slot * 8)) & 0xFF)
        guard entry > 0 else { return nil }
        let value = pairs.value(at: entry - 1)
        return value.isNull ? nil : value
    }

    /// The value of `known[slot]`; a `missing-field` error when absent. The same as `required(known[slot])`.
    func required(known slot: Int, diagnostics: inout [Diagnostic]) -> YAMLNode? {
        if let value = value(known: slot) { return value }
        diagnostics.append(
            .error(.missingField, "\(what) is missing required field '\(known[slot])'", at: nameLocation))
        return nil
    }

    /// The field's value; a `missing-field` error when absent.
    func required(_ name: String, diagnostics: inout [Diagnostic]) -> YAMLNode? {
        if let value = value(name) { return value }
        diagnostics.append(
            .error(.missingField, "\(what) is missing required field '\(name)'", at: nameLocation))
        return nil
    }
}
