extension ConfigDecoder {
    /// A `supports:` list: capability names, checked against the known names (with did-you-mean) and
    /// against what the adapter can relay. Nil (with diagnostics) when the value is not a list of names
    /// or names nothing; unknown names are dropped, so a typo narrows rather than widens.
    ///
    /// `adapter` is nil when the adapter is unknown (its own error is reported elsewhere).
    mutating func decodeSupports(_ node: YAMLNode, in what: String, adapter: AdapterDeclaration?)
        -> Set<Capability>?
    {
        guard let names = stringList(node, field: "supports", in: what) else { return nil }
        guard !names.isEmpty else {
            diagnostics.append(
                .error(.invalidValue,
                       "'supports' in \(what) names no capability; list at least 'text' (capabilities: "
                           + Capability.names.joined(separator: ", ") + ")",
                       at: node.location))
            return nil
        }
        var capabilities: Set<Capability> = []
        for (name, item) in names {
            guard let capability = Capability(rawValue: name) else {
                diagnostics.append(
                    .error(.unknownCapability,
                           "unknown capability '\(Self.excerpt(name))' in 'supports' of \(what); capabilities: "
                               + Capability.names.joined(separator: ", ")
                               + Suggestion.hint(for: name, in: Capability.names),
                           at: item.location))
                continue
            }
            guard capabilities.insert(capability).inserted else {
                diagnostics.append(
                    .warning(.invalidValue, "capability '\(name)' is listed twice in 'supports' of \(what)",
                             at: item.location))
                continue
            }
            if let adapter, !adapter.capabilities.contains(capability) {
                diagnostics.append(
                    .warning(.unsupportedCapability,
                             "adapter '\(adapter.name)' cannot relay '\(name)' (it carries "
                                 + adapter.capabilities.listed + "), so \(what) is never sent requests that need it",
                             at: item.location))
            }
        }
        return capabilities
    }
}
