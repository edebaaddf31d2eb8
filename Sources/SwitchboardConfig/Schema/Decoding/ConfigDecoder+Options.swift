extension ConfigDecoder {
    /// Most names a message lists (a provider's templates, say); past it, it gives their number.
    static let listedNames = 20

    /// Validates adapter options or target parameters against the adapter's specs and fills in defaults.
    /// `providerOptions` resolves `keyOf` references from a target to its provider's options; for a
    /// provider's own options they resolve against the options being decoded. With `ignoringUnknown`,
    /// entries the specs do not name are skipped silently (their adapter's schema is unknown).
    mutating func decodeOptions(
        _ node: YAMLNode?, specs: [OptionSpec], what: String, ownerLocation: SourceLocation,
        providerOptions: OptionValues?, ignoringUnknown: Bool = false
    ) -> OptionValues {
        var values = OptionValues()
        // The specs the file mentions: with a value, an explicit `null` or an invalid value.
        var written: Set<String> = []
        var references: [(spec: OptionSpec, value: String, node: YAMLNode)] = []
        if let node {
            forEachEntry(of: node, what: what) { decoder, name, value, key in
                guard let spec = specs.first(where: { $0.name == name }) else {
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
                written.insert(spec.name)
                guard !value.isNull, let decoded = decoder.decodeOption(value, spec: spec, in: what) else { return }
                if case .keyOf = spec.type, let text = decoded.string {
                    references.append((spec, text, value))
                }
                values[spec.name] = decoded
            }
        }
        for spec in specs {
            if written.contains(spec.name) {
                // An explicit `null` turns a default off; an invalid value was reported already.
                guard spec.isRequired else { continue }
                if let value = values[spec.name] {
                    if value.stringMap?.isEmpty == true || value.stringList?.isEmpty == true {
                        diagnostics.append(
                            .error(.invalidAdapterOption, "required option '\(spec.name)' in \(what) is empty",
                                   at: node?.location ?? ownerLocation))
                    }
                } else {
                    diagnostics.append(
                        .error(.invalidAdapterOption, "\(what) is missing required option '\(spec.name)'",
                               at: node?.location ?? ownerLocation))
                }
                continue
            }
            guard let value = spec.defaultValue else {
                if spec.isRequired {
                    diagnostics.append(
                        .error(.invalidAdapterOption, "\(what) is missing required option '\(spec.name)'",
                               at: node?.location ?? ownerLocation))
                }
                continue
            }
            values[spec.name] = value
            if spec.isRequired && (value.stringMap?.isEmpty == true || value.stringList?.isEmpty == true) {
                diagnostics.append(
                    .error(.invalidAdapterOption, "required option '\(spec.name)' in \(what) is empty",
                           at: node?.location ?? ownerLocation))
            }
        }
        for reference in references {
            guard case .keyOf(let option) = reference.spec.type else { continue }
            // For a bad reference, the names are listed only when they are few, and compared for a hint
            // only within the budget.
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

    private mutating func decodeOption(_ node: YAMLNode, spec: OptionSpec, in what: String) -> OptionValue? {
        let name = spec.name
        let type = spec.type
        let before = diagnostics.count
        let value: OptionValue?
        switch type {
        case .string, .keyOf:
            value = string(node, field: name, in: what).map(OptionValue.string)
        case .integer(let range):
            value = integer(node, field: name, in: what, range: range).map(OptionValue.integer)
        case .number(let range):
            value = number(node, field: name, in: what, range: range).map(OptionValue.number)
        case .boolean:
            value = boolean(node, field: name, in: what).map(OptionValue.boolean)
        case .duration:
            value = duration(node, field: name, in: what).map(OptionValue.duration)
        case .oneOf(let words):
            guard let text = string(node, field: name, in: what) else { value = nil; break }
            if words.contains(text) {
                value = .string(text)
            } else {
                value = nil
                diagnostics.append(
                    .error(.invalidAdapterOption,
                           "'\(name)' in \(what) must be \(type.description), found '\(Self.excerpt(text))'"
                               + Suggestion.hint(for: text, in: words),
                           at: node.location))
            }
        case .stringList:
            value = stringList(node, field: name, in: what).map { .stringList($0.map(\.0)) }
        case .stringMap:
            var map: [String: String] = [:]
            forEachEntry(of: node, what: "'\(name)' in \(what)", skippingExtensions: false) { decoder, entry, item, _ in
                if let text = decoder.string(item, field: entry, in: "'\(name)' in \(what)") { map[entry] = text }
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
