/// Turns the node tree of a providers.yaml into a `SwitchboardConfiguration`, collecting every problem
/// it meets as a located diagnostic instead of stopping at the first. Entries that cannot be decoded are
/// left out, so later checks still run on the rest.
struct ConfigDecoder {
    let catalog: AdapterCatalog
    var diagnostics: [Diagnostic] = []
    /// What was left out after an error, so later checks do not report its consequences.
    var losses = DecodingLosses()
    /// How many more "did you mean" hints against a file-defined list (providers, template names) may be
    /// worked out. Each compares the word with every name in the list, so thousands of bad references
    /// against thousands of names would cost millions of comparisons; past the budget, messages go
    /// without a hint.
    var hintBudget = Suggestion.budget

    init(catalog: AdapterCatalog) {
        self.catalog = catalog
    }

    static let topLevelFields = [
        "version", "key_pools", "providers", "routes", "policy", "error_rules", "server", "usage", "state",
    ]
    static let serverFields = [
        "host", "port", "max_request_bytes", "max_concurrent_per_token", "shutdown_grace",
    ]
    static let usageFields = ["path", "batch_interval", "batch_size", "buffer_size"]

    mutating func decode(_ root: YAMLNode) -> SwitchboardConfiguration {
        guard let reader = MappingReader(
            root, what: "the top level", known: Self.topLevelFields, diagnostics: &diagnostics)
        else { return SwitchboardConfiguration() }

        var configuration = SwitchboardConfiguration()
        if let node = reader.required("version", diagnostics: &diagnostics),
            let version = integer(node, field: "version", in: "the top level", range: 0...Int.max)
        {
            if SwitchboardConfiguration.supportedVersions.contains(version) {
                configuration.version = version
            } else {
                diagnostics.append(
                    .error(.unsupportedVersion,
                           "version \(version) is not supported; this build reads version 1", at: node.location))
            }
        }
        if let pools = reader.value("key_pools") { configuration.keyPools = decodeKeyPools(pools) }
        if let providers = reader.value("providers"), providers.isMapping {
            configuration.providers = decodeProviders(providers)
        } else if let providers = reader.value("providers") {
            losses.providersSection = true
            _ = decodeProviders(providers)  // reports the wrong type
        } else if Self.misspells("providers", in: root) {
            losses.providersSection = true  // the unknown-field error says which key was meant
        } else {
            losses.providersAbsent = true
            if let routes = reader.value("routes"), routes.mapping?.isEmpty == false {
                diagnostics.append(.error(
                    .missingField, "routes name providers, but the file has no 'providers' section", at: routes.location))
            }
        }
        var defaultPolicy = RoutePolicy()
        if let policy = reader.value("policy") { defaultPolicy = decodePolicy(policy, base: defaultPolicy, what: "policy") }
        if let routes = reader.value("routes") {
            if !routes.isMapping { losses.routes = true }
            configuration.routes = decodeRoutes(routes, defaultPolicy: defaultPolicy, providers: configuration.providers)
        }
        if let rules = reader.value("error_rules") { configuration.errorRules = decodeErrorRules(rules) }
        if let server = reader.value("server") { configuration.server = decodeServer(server) }
        if let usage = reader.value("usage") { configuration.usage = decodeUsage(usage) }
        if let state = reader.value("state") { configuration.state = decodeState(state) }
        return configuration
    }

    /// What is wrong with a listen address written as a URL or with its port (`serve` would refuse it
    /// with a message about something else); nil for a host name, IPv4 or IPv6 address.
    static func hostProblem(_ host: String) -> String? {
        if host.contains("://") {
            return "is an address to listen on, not a URL: write the host alone (0.0.0.0, 127.0.0.1, ::) and the port in 'port'"
        }
        // `0.0.0.0:8080`, `[::]:8080`: one colon before digits, or a bracketed IPv6 literal with a port.
        let parts = host.split(separator: ":", omittingEmptySubsequences: false)
        let port = parts.last.map(String.init) ?? ""
        let carriesPort = !port.isEmpty && port.allSatisfy(\.isASCII) && Int(port) != nil
            && (parts.count == 2 || host.hasPrefix("[") && host.contains("]:"))
        if carriesPort {
            return "carries a port ('\(SafeText.excerpt(host))'): write the address alone and the port in 'port: \(port)'"
        }
        return nil
    }

    /// Whether a top-level key of `root` is a near miss of `field` (already reported as unknown, with a hint).
    static func misspells(_ field: String, in root: YAMLNode) -> Bool {
        (root.mapping ?? []).contains { pair in
            guard let name = pair.key.string, !topLevelFields.contains(name) else { return false }
            return Suggestion.nearest(to: name, in: topLevelFields) == field
        }
    }

    // MARK: - Server

    private mutating func decodeServer(_ node: YAMLNode) -> ServerSettings {
        let what = "server"
        guard let reader = MappingReader(node, what: what, known: Self.serverFields, diagnostics: &diagnostics)
        else { return ServerSettings() }
        var server = ServerSettings(source: reader.source)
        if let value = reader.value("host") {
            server.host = string(value, field: "host", in: what)
            if server.host?.isEmpty == true {
                diagnostics.append(.error(.invalidValue, "'host' in server must not be empty", at: value.location))
                server.host = nil
            } else if let host = server.host, let problem = Self.hostProblem(host) {
                diagnostics.append(.error(.invalidValue, "'host' in server \(problem)", at: value.location))
                server.host = nil
            }
        }
        if let value = reader.value("port") { server.port = integer(value, field: "port", in: what, range: 0...65_535) }
        if let value = reader.value("max_request_bytes") {
            server.maxRequestBytes = integer(value, field: "max_request_bytes", in: what, range: 1...(1 << 30))
        }
        if let value = reader.value("max_concurrent_per_token") {
            server.maxConcurrentPerToken = integer(value, field: "max_concurrent_per_token", in: what, range: 1...100_000)
        }
        if let value = reader.value("shutdown_grace") {
            server.shutdownGrace = positiveDuration(value, field: "shutdown_grace", in: what)
        }
        return server
    }

    // MARK: - Usage

    private mutating func decodeUsage(_ node: YAMLNode) -> UsageSettings {
        let what = "usage"
        guard let reader = MappingReader(node, what: what, known: Self.usageFields, diagnostics: &diagnostics)
        else { return UsageSettings() }
        var usage = UsageSettings(source: reader.source)
        if let value = reader.value("path") {
            usage.path = string(value, field: "path", in: what)
            if usage.path?.isEmpty == true {
                diagnostics.append(.error(.invalidValue, "'path' in usage must not be empty", at: value.location))
                usage.path = nil
            }
        }
        if let value = reader.value("batch_interval"),
            let interval = positiveDuration(value, field: "batch_interval", in: what)
        {
            usage.batchInterval = interval
        }
        if let value = reader.value("batch_size"),
            let size = integer(value, field: "batch_size", in: what, range: 1...1_000_000)
        {
            usage.batchSize = size
        }
        if let value = reader.value("buffer_size"),
            let size = integer(value, field: "buffer_size", in: what, range: 1...10_000_000)
        {
            usage.bufferSize = size
        }
        return usage
    }

    // MARK: - Entries of a mapping

    /// Calls `body` with each entry's name, value and key node, reporting non-scalar names. Entries named
    /// `x-…` are extension blocks and skipped, except in free-form maps (headers, templates), where
    /// `skippingExtensions` is false because such names are real data.
    mutating func forEachEntry(
        of node: YAMLNode, what: String, skippingExtensions: Bool = true,
        _ body: (inout ConfigDecoder, String, YAMLNode, YAMLNode) -> Void
    ) {
        guard let pairs = node.mapping else {
            diagnostics.append(
                .error(.wrongType, "\(what) must be a mapping of names, found \(node.kindDescription)",
                       at: node.location))
            return
        }
        for pair in pairs {
            guard let name = pair.key.string, !name.isEmpty else {
                diagnostics.append(
                    .error(.wrongType, "names in \(what) must be non-empty strings", at: pair.key.location))
                continue
            }
            if skippingExtensions && Self.isExtension(name) { continue }
            body(&self, name, pair.value, pair.key)
        }
    }

    /// `x-…` names: extension blocks, which the schema skips.
    static func isExtension(_ name: String) -> Bool {
        name.utf8.starts(with: "x-".utf8)
    }

    // MARK: - Scalars

    mutating func string(_ node: YAMLNode, field: String, in what: String) -> String? {
        guard let text = node.string else {
            typeMismatch(node, expected: "a string", field: field, in: what)
            return nil
        }
        return text
    }

    mutating func integer(_ node: YAMLNode, field: String, in what: String, range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, scalar.isPlain, let value = Int(scalar.value) else {
            typeMismatch(node, expected: "an integer", field: field, in: what)
            return nil
        }
        guard range.contains(value) else {
            diagnostics.append(
                .error(.invalidValue,
                       "'\(field)' in \(what) must be \(Self.describe(range)), found \(value)", at: node.location))
            return nil
        }
        return value
    }

    mutating func number(_ node: YAMLNode, field: String, in what: String, range: ClosedRange<Double>) -> Double? {
        guard let scalar = node.scalar, scalar.isPlain, let value = Double(scalar.value), value.isFinite else {
            typeMismatch(node, expected: "a number", field: field, in: what)
            return nil
        }
        guard range.contains(value) else {
            diagnostics.append(
                .error(.invalidValue,
                       "'\(field)' in \(what) must be from \(range.lowerBound) to \(range.upperBound), found \(value)",
                       at: node.location))
            return nil
        }
        return value
    }

    mutating func boolean(_ node: YAMLNode, field: String, in what: String) -> Bool? {
        if let scalar = node.scalar, scalar.isPlain, let value = Self.booleanWord(scalar.value) { return value }
        typeMismatch(node, expected: "true or false", field: field, in: what)
        return nil
    }

    private static func booleanWord(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    mutating func duration(_ node: YAMLNode, field: String, in what: String) -> Duration? {
        guard let scalar = node.scalar else {
            typeMismatch(node, expected: "a duration", field: field, in: what)
            return nil
        }
        if let duration = DurationParser.parse(scalar.value) { return duration }
        let hint = Int(scalar.value) != nil ? " (add a unit: \(scalar.value)s or \(scalar.value)ms)" : ""
        diagnostics.append(
            .error(.invalidDuration,
                   "'\(field)' in \(what) must be a duration such as 250ms, 30s, 2m or 1h (at most a week), "
                       + "found '\(Self.excerpt(scalar.value))'\(hint)",
                   at: node.location))
        return nil
    }

    /// A duration that must be longer than zero (a timeout of 0s would fail every attempt).
    mutating func positiveDuration(_ node: YAMLNode, field: String, in what: String) -> Duration? {
        guard let value = duration(node, field: field, in: what) else { return nil }
        guard value > .zero else {
            diagnostics.append(.error(.invalidValue, "'\(field)' in \(what) must be longer than zero", at: node.location))
            return nil
        }
        return value
    }

    mutating func oneOf<Word: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, field: String, in what: String, as _: Word.Type
    ) -> Word? where Word.RawValue == String {
        guard let text = string(node, field: field, in: what) else { return nil }
        if let word = Word(rawValue: text) { return word }
        let words = Word.allCases.map(\.rawValue)
        diagnostics.append(
            .error(.invalidValue,
                   "'\(field)' in \(what) must be one of \(words.joined(separator: ", ")), found '\(Self.excerpt(text))'"
                       + Suggestion.hint(for: text, in: words),
                   at: node.location))
        return nil
    }

    /// A list of strings; a single string is accepted as a list of one.
    mutating func stringList(_ node: YAMLNode, field: String, in what: String) -> [(String, YAMLNode)]? {
        if let text = node.string { return [(text, node)] }
        guard let items = node.sequence else {
            typeMismatch(node, expected: "a list of strings", field: field, in: what)
            return nil
        }
        var values: [(String, YAMLNode)] = []
        for item in items {
            guard let value = item.string else {
                typeMismatch(item, expected: "a string", field: field, in: what)
                continue
            }
            values.append((value, item))
        }
        return values
    }

    mutating func typeMismatch(_ node: YAMLNode, expected: String, field: String, in what: String) {
        let found: String
        if let scalar = node.scalar, !node.isNull {
            found = (scalar.isPlain ? "'" : "the quoted string '") + Self.excerpt(scalar.value) + "'"
        } else {
            found = node.kindDescription
        }
        diagnostics.append(
            .error(.wrongType, "'\(field)' in \(what) must be \(expected), found \(found)", at: node.location))
    }

    /// `Suggestion.hint` against a list the file defines, within `hintBudget`.
    mutating func hint(for word: String, in candidates: @autoclosure () -> [String]) -> String {
        guard hintBudget > 0 else { return "" }
        hintBudget -= 1
        return Suggestion.hint(for: word, in: candidates())
    }

    /// Values are echoed in messages only in part, so a long (or secret) value never fills the output.
    static func excerpt(_ text: String) -> String { SafeText.excerpt(text) }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        return "from \(range.lowerBound) to \(range.upperBound)"
    }
}
