extension ConfigDecoder {
    static let priceFields = ["input_per_million", "output_per_million"]

    /// A `price:` block, on a provider or on a target. Nil (with diagnostics) unless both prices are given
    /// and valid: half a price would report costs that look exact and are not.
    ///
    /// `adapter` is the owner's adapter, nil when it is unknown (its own error is reported elsewhere).
    mutating func decodePrice(
        _ node: YAMLNode, in owner: String, nameLocation: SourceLocation, adapter: AdapterDeclaration?
    ) -> Price? {
        let what = "price of \(owner)"
        guard let reader = MappingReader(
            node, what: what, known: Self.priceFields, nameLocation: nameLocation, diagnostics: &diagnostics)
        else { return nil }
        warnIfOffline(adapter, what: what, consequence: "buys no tokens", at: nameLocation)
        let input = reader.required("input_per_million", diagnostics: &diagnostics).flatMap {
            pricePerMillion($0, field: "input_per_million", in: what)
        }
        let output = reader.required("output_per_million", diagnostics: &diagnostics).flatMap {
            pricePerMillion($0, field: "output_per_million", in: what)
        }
        guard let input, let output else { return nil }
        return Price(inputPerMillion: input, outputPerMillion: output, source: reader.source)
    }

    /// A price per million tokens: a plain, finite number of at least 0 (`2`, `0.15`). Any other scalar is
    /// an `invalid-value` error rather than a `wrong-type` one: the message gives the allowed values.
    private mutating func pricePerMillion(_ node: YAMLNode, field: String, in what: String) -> Double? {
        guard let scalar = node.scalar else {
            typeMismatch(node, expected: "a number", field: field, in: what)
            return nil
        }
        guard scalar.isPlain, let value = Double(scalar.value), value.isFinite, value >= 0 else {
            let found = (scalar.isPlain ? "'" : "the quoted string '") + Self.excerpt(scalar.value) + "'"
            diagnostics.append(
                .error(.invalidValue,
                       "'\(field)' in \(what) must be a number of at least 0 (per million tokens), found \(found)",
                       at: node.location))
            return nil
        }
        // -0 is 0: a price is never printed with a sign.
        return value == 0 ? 0 : value
    }

    /// Warns that a block on a provider (or on a target of one) whose adapter makes no network calls has
    /// no effect: such an adapter (the template) spends nothing and has no key or model to probe.
    mutating func warnIfOffline(
        _ adapter: AdapterDeclaration?, what: String, consequence: String, at location: SourceLocation
    ) {
        guard let adapter, !adapter.usesNetwork else { return }
        diagnostics.append(
            .warning(.ineffectiveSetting,
                     "\(what) has no effect: adapter '\(adapter.name)' makes no network calls and \(consequence)",
                     at: location))
    }
}
