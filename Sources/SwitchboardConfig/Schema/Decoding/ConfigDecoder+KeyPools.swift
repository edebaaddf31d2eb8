extension ConfigDecoder {
    static let keyPoolFields = ["env", "prefix", "rotation", "max_cooldown"]

    mutating func decodeKeyPools(_ node: YAMLNode) -> [KeyPool] {
        var pools: [KeyPool] = []
        forEachEntry(of: node, what: "key_pools") { decoder, name, value, key in
            if let pool = decoder.decodeKeyPool(name: name, value, key: key) {
                pools.append(pool)
            } else {
                decoder.losses.keyPools.insert(name)
            }
        }
        return pools
    }

    /// A pool is a mapping, or just the list of its variables (`openai: [OPENAI_API_KEY]`).
    private mutating func decodeKeyPool(name: String, _ node: YAMLNode, key: YAMLNode) -> KeyPool? {
        let what = "key pool '\(name)'"
        if node.isSequence {
            var source = SourceMap(range: node.range, nameLocation: key.location)
            let variables = decodeVariables(node, in: what, source: &source)
            return KeyPool(name: name, variables: variables, source: source)
        }
        guard let reader = MappingReader(
            node, what: what, known: Self.keyPoolFields, nameLocation: key.location, diagnostics: &diagnostics)
        else { return nil }
        var source = reader.source
        var pool = KeyPool(name: name, variables: [])
        if let env = reader.required("env", diagnostics: &diagnostics) {
            pool.variables = decodeVariables(env, in: what, source: &source)
        }
        if let prefix = reader.value("prefix") { pool.prefix = string(prefix, field: "prefix", in: what) }
        if let rotation = reader.value("rotation"),
            let value = oneOf(rotation, field: "rotation", in: what, as: KeyPool.Rotation.self)
        {
            pool.rotation = value
        }
        if let cap = reader.value("max_cooldown"), let value = duration(cap, field: "max_cooldown", in: what) {
            pool.maxCooldown = value
        }
        pool.source = source
        return pool
    }

    /// Environment-variable names, each recorded in the source map as `env.N` for `--check-env`.
    private mutating func decodeVariables(_ node: YAMLNode, in what: String, source: inout SourceMap) -> [String] {
        guard let entries = stringList(node, field: "env", in: what) else { return [] }
        if entries.isEmpty {
            diagnostics.append(.error(.invalidValue, "'env' in \(what) names no variables", at: node.location))
        }
        var variables: [String] = []
        for (position, (variable, item)) in entries.enumerated() {
            // A pasted key is reported once, by the literal-secret check, and never used as a name.
            if SecretScanner.looksLikeSecret(variable) { continue }
            // Keys without a known prefix: long, lowercase letters and digits, no underscore. Variable
            // names are upper case with underscores; the message names the entry, never its text.
            if SecretScanner.looksLikePastedKey(variable) {
                diagnostics.append(
                    .error(.literalSecret,
                           "entry \(position + 1) of 'env' in \(what) looks like an API key, not a variable name: "
                               + "put the key in an environment variable and list the variable's name here",
                           at: item.location))
                continue
            }
            guard Self.isVariableName(variable) else {
                diagnostics.append(
                    .error(.invalidValue,
                           "'\(Self.excerpt(variable))' in \(what) is not an environment variable name "
                               + "(letters, digits and _, not starting with a digit)",
                           at: item.location))
                continue
            }
            source.record(field: "env.\(variables.count)", key: item.location, value: item.location)
            variables.append(variable)
        }
        return variables
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }
}
