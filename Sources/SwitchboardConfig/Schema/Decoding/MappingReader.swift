/// Reads one mapping of the schema: checks the node is a mapping, reports keys the schema does not know
/// (with the nearest known one), and records where each field was written.
///
/// Keys starting with `x-` are ignored everywhere, so a file can keep anchors for merge keys (`<<`) in
/// blocks like `x-defaults:` without tripping the unknown-field check.
struct MappingReader {
    let what: String
    /// Field positions are looked up in the mapping when a message needs one.
    let source: SourceMap
    /// Where the entity is named: its key in the parent mapping, or the mapping itself.
    let nameLocation: SourceLocation
    private let pairs: [YAMLNode.Pair]

    /// Nil (with a `wrong-type` diagnostic) when `node` is not a mapping.
    init?(
        _ node: YAMLNode, what: String, known: [String], nameLocation: SourceLocation? = nil,
        diagnostics: inout [Diagnostic]
    ) {
        guard let pairs = node.mapping else {
            diagnostics.append(
                .error(.wrongType, "\(what) must be a mapping, found \(node.kindDescription)", at: node.location))
            return nil
        }
        for pair in pairs {
            guard let name = pair.key.string else {
                diagnostics.append(
                    .error(.wrongType, "keys in \(what) must be plain names, found \(pair.key.kindDescription)",
                           at: pair.key.location))
                continue
            }
            if known.contains(name) || ConfigDecoder.isExtension(name) { continue }
            diagnostics.append(
                .error(.unknownField,
                       "unknown field '\(SafeText.excerpt(name))' in \(what)" + Suggestion.hint(for: name, in: known),
                       at: pair.key.location))
        }
        self.what = what
        self.pairs = pairs
        self.source = SourceMap(mapping: node, nameLocation: nameLocation)
        self.nameLocation = nameLocation ?? node.location
    }

    /// The field's value, or nil when absent or written as `null`.
    func value(_ name: String) -> YAMLNode? {
        // The composer refused duplicate keys: the first match is the field.
        guard let value = pairs.first(where: { $0.key.string == name })?.value, !value.isNull else { return nil }
        return value
    }

    /// The field's value; a `missing-field` error when absent.
    func required(_ name: String, diagnostics: inout [Diagnostic]) -> YAMLNode? {
        if let value = value(name) { return value }
        diagnostics.append(
            .error(.missingField, "\(what) is missing required field '\(name)'", at: nameLocation))
        return nil
    }
}
