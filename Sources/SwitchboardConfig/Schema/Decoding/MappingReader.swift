/// Reads one mapping of the schema: checks the node is a mapping, reports keys the schema does not know
/// (with the nearest known one), and records where each field was written.
///
/// Keys starting with `x-` are ignored everywhere, so a file can keep anchors for merge keys (`<<`) in
/// blocks like `x-defaults:` without tripping the unknown-field check.
struct MappingReader {
    let what: Subject
    /// Backed by the mapping itself: reading an entity records no positions; a message looks them up.
    let source: SourceMap
    private let pairs: YAMLNode.Pairs

    /// Nil (with a `wrong-type` diagnostic) when `node` is not a mapping.
    init?(
        _ node: YAMLNode, what: Subject, known: [String], nameLocation: SourceLocation? = nil,
        diagnostics: inout [Diagnostic]
    ) {
        guard let pairs = node.pairs else {
            diagnostics.append(
                .error(.wrongType, "\(what) must be a mapping, found \(node.kindDescription)", at: node.location))
            return nil
        }
        self.what = what
        self.pairs = pairs
        self.source = SourceMap(mapping: node, nameLocation: nameLocation)
        // Key texts are read in place; a pair is made only for a message.
        for position in pairs.indices {
            guard let name = pairs.keyText(at: position) else {
                let key = pairs[position].key
                diagnostics.append(
                    .error(.wrongType, "keys in \(what) must be plain names, found \(key.kindDescription)",
                           at: key.location))
                continue
            }
            if Self.isExtension(name) || known.contains(name) { continue }
            diagnostics.append(
                .error(.unknownField,
                       "unknown field '\(SafeText.excerpt(name))' in \(what)" + Suggestion.hint(for: name, in: known),
                       at: pairs[position].key.location))
        }
    }

    /// True for `x-…` names. Looks at two bytes instead of `hasPrefix`, which shows up on large files.
    static func isExtension(_ name: String) -> Bool {
        var bytes = name.utf8.makeIterator()
        return bytes.next() == UInt8(ascii: "x") && bytes.next() == UInt8(ascii: "-")
    }

    /// The field's value, or nil when absent or written as `null`.
    func value(_ name: String) -> YAMLNode? {
        // Only known names are asked for, and the composer refused duplicate keys: the first match is the field.
        guard let value = pairs.first(withKey: name)?.value, !value.isNull else { return nil }
        return value
    }

    /// The field's value; a `missing-field` error when absent.
    func required(_ name: String, diagnostics: inout [Diagnostic]) -> YAMLNode? {
        if let value = value(name) { return value }
        diagnostics.append(
            .error(.missingField, "\(what) is missing required field '\(name)'", at: source.nameLocation))
        return nil
    }
}
