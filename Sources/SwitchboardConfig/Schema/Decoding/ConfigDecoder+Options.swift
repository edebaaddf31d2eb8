extension ConfigDecoder {
    /// Most names a message lists (a provider's templates, say); past it, it gives their number.
    static let listedNames = 20

    /// Validates adapter options or target parameters against the adapter's specs and fills in defaults.
    /// `providerOptions` resolves `keyOf` references from a target to its provider's options; for a
    /// provider's own options they resolve against the options being decoded. With `ignoringUnknown`,
    /// entries the specs do not name are skipped silently (their adapter's schema is unknown).
    mutating func decodeOptions(
        _ node: YAMLNode?, specs: [OptionSpec], what: Subject, ownerLocation: SourceLocation,
        providerOptions: OptionValues?, ignoringUnknown: Bool = false
    ) -> OptionValues {
        // What the file wrote, by spec position (no lookups by name while decoding): a value, or nil for an
        // explicit `null` or an invalid value. A spec appears at most once, since the parser refuses
        // duplicate keys; specs the file does not mention are not listed, so a target with one
        // parameter fills one entry, not one per spec.
        var written: [(position: Int, value: OptionValue?)] = []
        var references: [(spec: OptionSpec, value: String, node: YAMLNode)] = []
        if let node {
            forEachEntry(of: node, what: what) { decoder, name, value, key in
                guard let position = specs.firstIndex(where: { $0.name == name }) else {
                    if ignoringUnknown { return }
                    let known = specs.map(\.name)
                    let accepted = known.isEmpty ? "it takes none" : "it takes " + known.joined(separator: ", ")
                    decoder.diagnostics.append(
                        .error(.invalidAdapterOption,
                               "unknown option '\(Self.excerpt(name))' in \(what); \(accepted)"
                                   + Suggestion.hint(for: name, in: known),
                               at: key.location))
                    return
                }
                guard !value.isNull,
                    let decoded = decoder.decodeOption(value, spec: specs[position], in: what)
                else {
                    written.append((position, nil))
                    return
                }
                if case .keyOf = specs[position].type, let text = decoded.string {
                    references.append((specs[position], text, value))
                }
                written.append((position, decoded))
            }
        }
        var values = OptionValues(capacity: specs.count)
        // Specs are read field by field, not copied whole: a copy retains each of their strings and lists,
        // and this loop runs for every spec of every target.
        for position in specs.indices {
            let value: OptionValue?
            if let entry = written.first(where: { $0.position == position }) {
                // An explicit `null` turns a default off; an invalid value was reported already.
                value = entry.value
            } else {
                value = specs[position].defaultValue
            }
            let isRequired = specs[position].isRequired
            guard let value else {
                if isRequired {
                    diagnostics.append(
                        .error(.invalidAdapterOption, "\(what) is missing required option '\(specs[position].name)'",
                               at: node?.location ?? ownerLocation))
                }
                continue
            }
            values.append(specs[position].name, value)
            if isRequired && (value.stringMap?.isEmpty == true || value.stringList?.isEmpty == true) {
                diagnostics.append(
                    .error(.invalidAdapterOption, "required option '\(specs[position].name)' in \(what) is empty",
                           at: node?.location ?? ownerLocation))
            }
        }
        for reference in references {
            guard case .keyOf(let option) = reference.spec.type else { continue }
            // One lookup for a valid reference. For a bad one, the names are listed (and sorted) only when
            // they are few, and compared for a hint only within the budget: a target costs no more than a
            // dictionary lookup however many templates its provider has.
            let names = (providerOptions ?? values)[option]?.stringMap?.keys ?? [:].keys
            guard !names.contains(reference.value) else { continue }
            let listed = names.count <= Self.listedNames ? names.sorted().joined(separator: ", ") : "\(names.count) names"
            let hint = hint(for: reference.value, in: names.sorted())
            diagnostics.append(
                .error(.invalidAdapterOption,
                       "'\(reference.spec.name)' in \(what) names '\(Self.excerpt(reference.value))', which is not "
                           + "one of the provider's \(option)"
                           + (names.isEmpty ? "" : " (\(listed))")
                           + hint,
                       at: reference.node.location))
        }
        return values
    }

    private mutating func decodeOption(_ node: YAMLNode, spec: OptionSpec, in what: Subject) -> OptionValue? {
        let before = diagnostics.count
        let value: OptionValue?
        switch spec.type {
        case .string, .keyOf:
            value = string(node, field: spec.name, in: what).map(OptionValue.string)
        case .integer(let range):
            value = integer(node, field: spec.name, in: what, range: range).map(OptionValue.integer)
        case .number(let range):
            value = number(node, field: spec.name, in: what, range: range).map(OptionValue.number)
        case .boolean:
            value = boolean(node, field: spec.name, in: what).map(OptionValue.boolean)
        case .duration:
            value = duration(node, field: spec.name, in: what).map(OptionValue.duration)
        case .oneOf(let words):
            guard let text = string(node, field: spec.name, in: what) else { value = nil; break }
            if words.contains(text) {
                value = .string(text)
            } else {
                value = nil
                diagnostics.append(
                    .error(.invalidAdapterOption,
                           "'\(spec.name)' in \(what) must be \(spec.type.description), found '\(Self.excerpt(text))'"
                               + Suggestion.hint(for: text, in: words),
                           at: node.location))
            }
        case .stringList:
            value = stringList(node, field: spec.name, in: what).map { .stringList($0.map(\.0)) }
        case .stringMap:
            var map: [String: String] = [:]
            forEachEntry(of: node, what: "'\(spec.name)' in \(what)", skippingExtensions: false) { decoder, name, item, _ in
                if let text = decoder.string(item, field: name, in: "'\(spec.name)' in \(what)") { map[name] = text }
            }
            value = .stringMap(map)
        }
        // The option's schema is the adapter's, so its shape errors carry the adapter-option rule.
        for index in before..<diagnostics.count where diagnostics[index].rule != .literalSecret {
            diagnostics[index].rule = .invalidAdapterOption
        }
        return value
    }
}
