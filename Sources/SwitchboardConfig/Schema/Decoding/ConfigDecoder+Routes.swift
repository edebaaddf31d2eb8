extension ConfigDecoder {
    static let routeFields: KnownKeys = ["targets", "policy", "cache"]
    static let cacheFields: KnownKeys = ["ttl", "max_entries", "max_bytes", "any_temperature"]
    static let targetFields: KnownKeys = ["provider", "model", "priority", "parameters", "supports", "price"]
    /// Positions in `targetFields`, for `MappingReader.value(known:)`: targets are most of a large file.
    private enum TargetField {
        static let provider = 0
        static let model = 1
        static let priority = 2
        static let parameters = 3
        static let supports = 4
        static let price = 5
    }
    static let policyFields: KnownKeys = ["deadline", "attempt_timeout", "max_attempts", "backoff"]
    static let backoffFields: KnownKeys = ["initial", "max", "multiplier", "jitter"]

    /// What decoding a target needs to know about the provider it names, looked up once per provider
    /// rather than once per target. A class, so a lookup copies one reference.
    final class TargetContext: Sendable {
        let options: OptionValues
        /// Whether the provider's adapter is registered, so its parameter schema is known. Flags rather
        /// than the declaration itself: copying a declaration per target retains all its lists.
        let isDeclared: Bool
        let requiresModel: Bool
        let parameters: OptionSchema
        /// The provider's adapter, for checking a target's own `supports:` (read only for such a target, so
        /// the flags above still spare every other target the copy); nil when it is not registered.
        let declaration: AdapterDeclaration?

        init(options: OptionValues, declaration: AdapterDeclaration?, parameters: OptionSchema) {
            self.options = options
            self.declaration = declaration
            self.isDeclared = declaration != nil
            self.requiresModel = declaration?.requiresModel ?? false
            self.parameters = parameters
        }
    }

    mutating func decodeRoutes(_ node: YAMLNode, defaultPolicy: RoutePolicy, providers: [Provider]) -> [Route] {
        var providersByName: [String: TargetContext] = [:]
        providersByName.reserveCapacity(providers.count)
        for provider in providers where providersByName[provider.name] == nil {
            let declaration = catalog[provider.adapter]
            providersByName[provider.name] = TargetContext(
                options: provider.options, declaration: declaration,
                parameters: declaration.map { targetParameterSchemas[$0.name] ?? OptionSchema($0.allTargetParameters) }
                    ?? Self.noParameters)
        }
        let count = node.pairs?.count ?? 0
        guard splitsRoutes, count >= Self.routesWorthSplitting else {
            return decodeRoutes(node, positions: nil, defaultPolicy: defaultPolicy, providers: providersByName)
        }
        // Routes are independent of each other: the second half is decoded on another core into a decoder
        // of its own, and its routes and diagnostics follow the first half's, as a serial pass would
        // leave them.
        let half = count / 2
        var worker = self
        worker.diagnostics = []
        let (first, second) = ForkJoin.run({
            decodeRoutes(node, positions: 0..<half, defaultPolicy: defaultPolicy, providers: providersByName)
        }, alongside: { [worker, providersByName] in
            var decoder = worker
            let routes = decoder.decodeRoutes(
                node, positions: half..<count, defaultPolicy: defaultPolicy, providers: providersByName)
            return (routes: routes, diagnostics: decoder.diagnostics, hintsLeft: decoder.hintBudget)
        })
        // The second half started with the whole hint budget. If both halves together wanted more hints
        // than it allows (a file with over a hundred bad references), a serial pass would have left some
        // messages of the second half without one: decode that half again here, after the first.
        let hintsUsed = worker.hintBudget - second.hintsLeft
        guard hintsUsed <= hintBudget else {
            return first + decodeRoutes(
                node, positions: half..<count, defaultPolicy: defaultPolicy, providers: providersByName)
        }
        hintBudget -= hintsUsed
        diagnostics += second.diagnostics
        return first + second.routes
    }

    /// Below this many routes, decoding them on a second core costs more than it saves.
    static let routesWorthSplitting = 64

    private mutating func decodeRoutes(
        _ node: YAMLNode, positions: Range<Int>?, defaultPolicy: RoutePolicy, providers: [String: TargetContext]
    ) -> [Route] {
        var routes: [Route] = []
        forEachEntry(of: node, what: "routes", positions: positions) { decoder, name, value, key in
            if let route = decoder.decodeRoute(
                name: name, value, key: key, defaultPolicy: defaultPolicy, providers: providers)
            {
                routes.append(route)
            }
        }
        return routes
    }

    /// A route is a mapping with `targets` (and maybe `policy`), or just its list of targets.
    private mutating func decodeRoute(
        name: String, _ node: YAMLNode, key: YAMLNode, defaultPolicy: RoutePolicy, providers: [String: TargetContext]
    ) -> Route? {
        let what: Subject = "route '\(name)'"
        var policy = defaultPolicy
        var cache: RouteCache?
        var source = SourceMap(range: node.range, nameLocation: key.location)
        let targetsNode: YAMLNode?
        if node.isSequence {
            targetsNode = node
        } else {
            guard let reader = MappingReader(
                node, what: what, known: Self.routeFields, nameLocation: key.location, diagnostics: &diagnostics)
            else { return nil }
            source = reader.source
            targetsNode = reader.required("targets", diagnostics: &diagnostics)
            if let policyNode = reader.value("policy") {
                policy = decodePolicy(policyNode, base: defaultPolicy, what: what.part("policy"))
            }
            if let cacheNode = reader.value("cache") {
                cache = decodeCache(cacheNode, what: what.part("cache"), nameLocation: reader.source.key("cache"))
            }
        }
        var targets: [Target] = []
        if let targetsNode {
            if let items = targetsNode.items {
                targets.reserveCapacity(items.count)
                for (index, item) in items.enumerated() {
                    if let target = decodeTarget(item, what: what.item("target", index + 1), providers: providers) {
                        targets.append(target)
                    }
                }
            } else {
                typeMismatch(targetsNode, expected: "a list of targets", field: "targets", in: what)
            }
        }
        return Route(name: name, targets: targets, policy: policy, cache: cache, source: source)
    }

    /// Nil (with diagnostics) when the target lacks a provider or a priority.
    private mutating func decodeTarget(_ node: YAMLNode, what: Subject, providers: [String: TargetContext]) -> Target? {
        guard let reader = MappingReader(node, what: what, known: Self.targetFields, diagnostics: &diagnostics)
        else { return nil }
        let providerName = reader.required(known: TargetField.provider, diagnostics: &diagnostics).flatMap {
            string($0, field: "provider", in: what)
        }
        let priority = reader.required(known: TargetField.priority, diagnostics: &diagnostics).flatMap {
            integer($0, field: "priority", in: what, range: 0...1_000_000_000)
        }
        let context = providerName.flatMap { providers[$0] }
        if let providerName, context == nil {
            let hint = hint(for: providerName, in: providers.keys.sorted())
            diagnostics.append(
                .error(.unknownProvider,
                       "\(what) names provider '\(Self.excerpt(providerName))', which is not declared under providers"
                           + hint,
                       at: reader.source.value("provider")))
        }
        var model: String?
        if let modelNode = reader.value(known: TargetField.model) {
            model = string(modelNode, field: "model", in: what)
        } else if context?.requiresModel ?? false {
            _ = reader.required(known: TargetField.model, diagnostics: &diagnostics)
        }
        var parameters = OptionValues()
        let parametersNode = reader.value(known: TargetField.parameters)
        if let context, context.isDeclared {
            parameters = decodeOptions(
                parametersNode, schema: context.parameters,
                what: what.part("parameters"), ownerLocation: reader.nameLocation,
                providerOptions: context.options)
        } else if let parametersNode {
            // Without the adapter's schema (unknown provider or adapter) only the common parameters are checked.
            parameters = decodeCommonParameters(parametersNode, what: what.part("parameters"))
        }
        var supports: Set<Capability>?
        if let supportsNode = reader.value(known: TargetField.supports) {
            supports = decodeSupports(supportsNode, in: what, adapter: context?.declaration)
        }
        var price: Price?
        if let priceNode = reader.value(known: TargetField.price) {
            price = decodePrice(
                priceNode, in: what, nameLocation: reader.source.key("price"), adapter: context?.declaration)
        }
        guard let providerName, let priority else { return nil }
        return Target(
            provider: providerName, model: model, priority: priority, parameters: parameters, supports: supports,
            price: price, source: reader.source)
    }

    private static let commonParameters = OptionSchema(AdapterDeclaration.commonTargetParameters)
    private static let noParameters = OptionSchema([])

    private mutating func decodeCommonParameters(_ node: YAMLNode, what: Subject) -> OptionValues {
        guard node.isMapping else {
            typeMismatch(node, expected: "a mapping", field: "parameters", in: what)
            return OptionValues()
        }
        return decodeOptions(
            node, schema: Self.commonParameters, what: what, ownerLocation: node.location,
            providerOptions: nil, ignoringUnknown: true)
    }

    // MARK: - Cache

    /// A route's `cache:` block. Nil (with diagnostics) when it is not a mapping or its `ttl` is missing or bad.
    private mutating func decodeCache(_ node: YAMLNode, what: Subject, nameLocation: SourceLocation) -> RouteCache? {
        guard let reader = MappingReader(
            node, what: what, known: Self.cacheFields, nameLocation: nameLocation, diagnostics: &diagnostics)
        else { return nil }
        let ttl = reader.required("ttl", diagnostics: &diagnostics).flatMap {
            positiveDuration($0, field: "ttl", in: what)
        }
        var cache = RouteCache(ttl: ttl ?? .zero, source: reader.source)
        if let value = reader.value("max_entries"),
            let entries = integer(value, field: "max_entries", in: what, range: RouteCache.maxEntriesRange)
        {
            cache.maxEntries = entries
        }
        if let value = reader.value("max_bytes"),
            let bytes = integer(value, field: "max_bytes", in: what, range: RouteCache.maxBytesRange)
        {
            cache.maxBytes = bytes
        }
        if let value = reader.value("any_temperature"), let any = boolean(value, field: "any_temperature", in: what) {
            cache.anyTemperature = any
        }
        return ttl == nil ? nil : cache
    }

    // MARK: - Policy

    mutating func decodePolicy(_ node: YAMLNode, base: RoutePolicy, what: Subject) -> RoutePolicy {
        var policy = base
        guard let reader = MappingReader(node, what: what, known: Self.policyFields, diagnostics: &diagnostics)
        else { return policy }
        if let value = reader.value("deadline"), let duration = positiveDuration(value, field: "deadline", in: what) {
            policy.deadline = duration
        }
        if let value = reader.value("attempt_timeout"),
            let duration = positiveDuration(value, field: "attempt_timeout", in: what)
        {
            policy.attemptTimeout = duration
        }
        if let value = reader.value("max_attempts"),
            let attempts = integer(value, field: "max_attempts", in: what, range: 1...1_000)
        {
            policy.maxAttempts = attempts
        }
        if let value = reader.value("backoff") { policy.backoff = decodeBackoff(value, base: policy.backoff, in: what) }
        if policy.attemptTimeout > policy.deadline {
            diagnostics.append(
                .warning(.invalidValue,
                         "attempt_timeout (\(DurationParser.format(policy.attemptTimeout))) is longer than the deadline "
                             + "(\(DurationParser.format(policy.deadline))) in \(what): attempts are cut at the deadline",
                         at: reader.source.value("attempt_timeout")))
        }
        return policy
    }

    private mutating func decodeBackoff(_ node: YAMLNode, base: RoutePolicy.Backoff, in policy: Subject)
        -> RoutePolicy.Backoff
    {
        var backoff = base
        let what: Subject = "backoff of \(policy)"
        guard let reader = MappingReader(node, what: what, known: Self.backoffFields, diagnostics: &diagnostics)
        else { return backoff }
        if let value = reader.value("initial"), let duration = duration(value, field: "initial", in: what) {
            backoff.initial = duration
        }
        if let value = reader.value("max"), let duration = duration(value, field: "max", in: what) {
            backoff.max = duration
        }
        if let value = reader.value("multiplier"),
            let multiplier = number(value, field: "multiplier", in: what, range: 1...10)
        {
            backoff.multiplier = multiplier
        }
        if let value = reader.value("jitter"), let jitter = boolean(value, field: "jitter", in: what) {
            backoff.jitter = jitter
        }
        if backoff.initial > backoff.max {
            diagnostics.append(
                .warning(.invalidValue, "'initial' is longer than 'max' in \(what): every wait is 'max'",
                         at: reader.source.value("initial")))
        }
        return backoff
    }
}
