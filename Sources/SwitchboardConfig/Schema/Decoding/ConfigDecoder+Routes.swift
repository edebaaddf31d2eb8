extension ConfigDecoder {
    static let routeFields = ["targets", "policy", "cache"]
    static let cacheFields = ["ttl", "max_entries", "max_bytes", "any_temperature"]
    static let targetFields = ["provider", "model", "priority", "parameters", "supports", "price"]
    static let policyFields = ["deadline", "attempt_timeout", "max_attempts", "backoff"]
    static let backoffFields = ["initial", "max", "multiplier", "jitter"]

    /// What decoding a target needs to know about the provider it names, worked out once per provider.
    struct TargetContext {
        let options: OptionValues
        /// The provider's adapter; nil when it is not registered.
        let declaration: AdapterDeclaration?
        /// The adapter's target parameters, common ones included.
        let parameters: [OptionSpec]
    }

    mutating func decodeRoutes(_ node: YAMLNode, defaultPolicy: RoutePolicy, providers: [Provider]) -> [Route] {
        var contexts: [String: TargetContext] = [:]
        for provider in providers where contexts[provider.name] == nil {
            let declaration = catalog[provider.adapter]
            contexts[provider.name] = TargetContext(
                options: provider.options, declaration: declaration, parameters: declaration?.allTargetParameters ?? [])
        }
        var routes: [Route] = []
        forEachEntry(of: node, what: "routes") { decoder, name, value, key in
            if let route = decoder.decodeRoute(
                name: name, value, key: key, defaultPolicy: defaultPolicy, providers: contexts)
            {
                routes.append(route)
            } else {
                decoder.losses.routes = true
            }
        }
        return routes
    }

    /// A route is a mapping with `targets` (and maybe `policy`), or just its list of targets.
    private mutating func decodeRoute(
        name: String, _ node: YAMLNode, key: YAMLNode, defaultPolicy: RoutePolicy, providers: [String: TargetContext]
    ) -> Route? {
        let what = "route '\(name)'"
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
                policy = decodePolicy(policyNode, base: defaultPolicy, what: "policy of \(what)")
            }
            if let cacheNode = reader.value("cache") {
                cache = decodeCache(cacheNode, what: "cache of \(what)", nameLocation: reader.source.key("cache"))
            }
        }
        var targets: [Target] = []
        if let targetsNode {
            if let items = targetsNode.sequence {
                for (index, item) in items.enumerated() {
                    if let target = decodeTarget(item, what: "target \(index + 1) of \(what)", providers: providers) {
                        targets.append(target)
                    } else {
                        losses.routesWithLostTargets.insert(name)
                    }
                }
            } else {
                typeMismatch(targetsNode, expected: "a list of targets", field: "targets", in: what)
                losses.routesWithLostTargets.insert(name)
                losses.routes = true
            }
        }
        return Route(name: name, targets: targets, policy: policy, cache: cache, source: source)
    }

    /// Nil (with diagnostics) when the target lacks a provider or a priority.
    private mutating func decodeTarget(_ node: YAMLNode, what: String, providers: [String: TargetContext]) -> Target? {
        guard let reader = MappingReader(node, what: what, known: Self.targetFields, diagnostics: &diagnostics)
        else { return nil }
        let providerName = reader.required("provider", diagnostics: &diagnostics).flatMap {
            string($0, field: "provider", in: what)
        }
        let priority = reader.required("priority", diagnostics: &diagnostics).flatMap {
            integer($0, field: "priority", in: what, range: 0...1_000_000_000)
        }
        let context = providerName.flatMap { providers[$0] }
        // A provider that is declared but broken, or a providers section that is missing, was reported already.
        if let providerName, context == nil, !losses.providersSection, !losses.providersAbsent,
            !losses.providers.contains(providerName)
        {
            let hint = hint(for: providerName, in: providers.keys.sorted())
            diagnostics.append(
                .error(.unknownProvider,
                       "\(what) names provider '\(Self.excerpt(providerName))', which is not declared under providers"
                           + hint,
                       at: reader.source.value("provider")))
        }
        var model: String?
        if let modelNode = reader.value("model") {
            model = string(modelNode, field: "model", in: what)
            // `org/name:provider` picks an inference provider on the router; the task API reads the suffix
            // as part of the model's name.
            if let model, model.contains(":"), context?.declaration?.name == "hf-inference" {
                diagnostics.append(.warning(
                    .invalidValue,
                    "model '\(Self.excerpt(model))' in \(what) has a ':provider' suffix, which only the Hugging Face "
                        + "router understands (adapter openai-chat, base_url https://router.huggingface.co/v1); the "
                        + "task API (hf-inference) takes 'org/name'",
                    at: modelNode.location))
            }
        } else if context?.declaration?.requiresModel ?? false {
            _ = reader.required("model", diagnostics: &diagnostics)
        }
        var parameters = OptionValues()
        let parametersNode = reader.value("parameters")
        if let context, context.declaration != nil {
            parameters = decodeOptions(
                parametersNode, specs: context.parameters,
                what: "parameters of \(what)", ownerLocation: reader.nameLocation,
                providerOptions: context.options)
        } else if let parametersNode {
            // Without the adapter's schema (unknown provider or adapter) only the common parameters are checked.
            parameters = decodeCommonParameters(parametersNode, what: "parameters of \(what)")
        }
        var supports: Set<Capability>?
        if let supportsNode = reader.value("supports") {
            supports = decodeSupports(supportsNode, in: what, adapter: context?.declaration)
        }
        var price: Price?
        if let priceNode = reader.value("price") {
            price = decodePrice(
                priceNode, in: what, nameLocation: reader.source.key("price"), adapter: context?.declaration)
        }
        guard let providerName, let priority else {
            if let providerName { losses.providersOfLostTargets.insert(providerName) } else { losses.routes = true }
            return nil
        }
        return Target(
            provider: providerName, model: model, priority: priority, parameters: parameters, supports: supports,
            price: price, source: reader.source)
    }

    private mutating func decodeCommonParameters(_ node: YAMLNode, what: String) -> OptionValues {
        guard node.isMapping else {
            typeMismatch(node, expected: "a mapping", field: "parameters", in: what)
            return OptionValues()
        }
        return decodeOptions(
            node, specs: AdapterDeclaration.commonTargetParameters, what: what, ownerLocation: node.location,
            providerOptions: nil, ignoringUnknown: true)
    }

    // MARK: - Cache

    /// A route's `cache:` block. Nil (with diagnostics) when it is not a mapping or its `ttl` is missing or bad.
    private mutating func decodeCache(_ node: YAMLNode, what: String, nameLocation: SourceLocation) -> RouteCache? {
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

    mutating func decodePolicy(_ node: YAMLNode, base: RoutePolicy, what: String) -> RoutePolicy {
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

    private mutating func decodeBackoff(_ node: YAMLNode, base: RoutePolicy.Backoff, in policy: String)
        -> RoutePolicy.Backoff
    {
        var backoff = base
        let what = "backoff of \(policy)"
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
