/// An adapter's option or parameter specs, with their names ready to be matched against keys as bytes.
/// Built once per adapter (or provider), not per entity.
struct OptionSchema: Sendable {
    let specs: [OptionSpec]
    let names: KnownKeys

    init(_ specs: [OptionSpec]) {
        self.specs = specs
        self.names = KnownKeys(specs.map(\.name))
    }
}

extension ConfigDecoder {
    /// Most names a message lists (a provider's templates, say); past it, it gives their number.
    static let listedNames = 20

    /// Validates adapter options or target parameters against the adapter's specs and fills in defaults.
    /// `providerOptions` resolves `keyOf` references from a target to its provider's options; for a
    /// provider's own options they resolve against the options being decoded. With `ignoringUnknown`,
    /// entries the specs do not name are skipped silently (their adapter's schema is unknown).
    mutating func decodeOptions(
        _ node: YAMLNode?, schema: OptionSchema, what: Subject, ownerLocation: SourceLocation,
        providerOptions: OptionValues?, ignoringUnknown: Bool = false
    ) -> OptionValues {
        let specs = schema.specs
        // Values go straight into `values` as the file writes them; `written` only remembers which specs
        // the file mentioned (a value, an explicit `null` or an invalid value), so no list is built per
        // entity and the pass over the specs below does work only for the few with a default or a
        // requirement. A spec appears at most once, since the parser refuses duplicate keys.
        var values = OptionValues(capacity: specs.count)
        var written = SpecSet(count: specs.count)
        var references: [(spec: OptionSpec, value: String, node: YAMLNode)] = []
        if let node {
            forEachEntry(of: node, what: what, known: schema.names) { decoder, position, value, key in
                guard position < specs.count else {
                    if ignoringUnknown { return }
                    let name = key.string ?? ""
                    let known = specs.map(\.name)
                    let accepted = known.isEmpty ? "it takes none" : "it takes " + known.joined(separator: ", ")
                    decoder.diagnostics.append(
                        .error(.invalidAdapterOption,
                               "unknown option '\(Self.excerpt(name))' in \(what); \(accepted)"
                                   + Suggestion.hint(for: name, in: known),
                               at: key.location))
                    return
                }
                written.insert(position)
                guard !value.isNull,
                    let decoded = decoder.decodeOption(value, name: specs[position].name, type: specs[position].type, in: what)
                else { return }
                if case .keyOf = specs[position].type, let text = decoded.string {
                    references.append((specs[position], text, value))
                }
                values.append(specs[position].name, decoded)
            }
        }
        // Spec fields are read one by one, not copied whole: a copy retains each of their strings and lists.
        for position in specs.indices {
            let isRequired = specs[position].isRequired
            if written.contains(position) {
                // An explicit `null` turns a default off; an invalid value was reported already.
                guard isRequired else { continue }
                if let value = values[specs[position].name] {
                    if value.stringMap?.isEmpty == true || value.stringList?.isEmpty == true {
                        diagnostics.append(
                            .error(.invalidAdapterOption,
                                   "required option '\(specs[position].name)' in \(what) is empty",
                                   at: node?.location ?? ownerLocation))
                    }
                } else {
                    diagnostics.append(
                        .error(.invalidAdapterOption, "\(what) is missing required option '\(specs[position].name)'",
                               at: node?.location ?? ownerLocation))
                }
                continue
            }
            guard let value = specs[position].defaultValue else {
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

    /// Takes the spec's name and type rather than the spec: copying a spec per value retains its summary,
    /// default and type.
    private mutating func decodeOption(_ node: YAMLNode, name: String, type: OptionSpec.ValueType, in what: Subject)
        -> OptionValue?
    {
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
