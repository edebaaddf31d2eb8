/// Checks that need the whole decoded configuration: references between sections, route ordering, rule
/// shadowing, and what is declared but never used.
struct ReferenceChecks {
    let configuration: SwitchboardConfiguration
    let catalog: AdapterCatalog
    /// What the decoder left out after reporting it: its consequences are not reported again.
    let losses: DecodingLosses
    private(set) var diagnostics: [Diagnostic] = []
    /// "Did you mean" hints left for unknown key pools (see `ConfigDecoder.hintBudget`).
    private var hintBudget = Suggestion.budget

    init(configuration: SwitchboardConfiguration, catalog: AdapterCatalog, losses: DecodingLosses = DecodingLosses()) {
        self.configuration = configuration
        self.catalog = catalog
        self.losses = losses
    }

    mutating func run() -> [Diagnostic] {
        let usage = ProviderUsage(configuration, catalog: catalog)
        checkProviders()
        checkRoutes(usage)
        checkCapabilities()
        checkErrorRules()
        checkLimits(usage)
        checkUnused(usage)
        return diagnostics
    }

    private mutating func checkProviders() {
        let pools = configuration.keyPools.map(\.name)
        let declared = Set(pools)
        for provider in configuration.providers {
            if let pool = provider.keyPool, let declaration = catalog[provider.adapter], !declaration.usesNetwork {
                diagnostics.append(
                    .warning(.invalidValue,
                             "provider '\(provider.name)' names key pool '\(ConfigDecoder.excerpt(pool))', but adapter "
                                 + "'\(provider.adapter)' makes no network calls and never uses keys",
                             at: provider.source.value("key_pool")))
            } else if let pool = provider.keyPool {
                if !declared.contains(pool), !losses.keyPools.contains(pool) {
                    var hint = ""
                    // An environment variable's name where the pool's belongs: say which pool holds it.
                    if let owner = configuration.keyPools.first(where: { $0.variables.contains(pool) }) {
                        hint = "; \(pool) is a variable of key pool '\(owner.name)': did you mean 'key_pool: \(owner.name)'?"
                    } else if hintBudget > 0 {
                        hintBudget -= 1
                        hint = Suggestion.hint(for: pool, in: pools)
                    }
                    diagnostics.append(
                        .error(.unknownKeyPool,
                               "provider '\(provider.name)' uses key pool '\(ConfigDecoder.excerpt(pool))', which is not "
                                   + "declared under key_pools" + hint,
                               at: provider.source.value("key_pool")))
                }
            } else if let declaration = catalog[provider.adapter], declaration.requiresKeys,
                let host = provider.baseURL.flatMap({ URLHost.of($0) }), !URLHost.isLoopback(host)
            {
                diagnostics.append(
                    .warning(.missingKeyPool,
                             "provider '\(provider.name)' has no key_pool: its requests to '\(host)' carry no API key",
                             at: provider.source.nameLocation))
            }
        }
    }

    private mutating func checkRoutes(_ usage: ProviderUsage) {
        // Routes are read by index, and copied only when there is something to report.
        let routes = configuration.routes
        for routeIndex in routes.indices {
            let targets = routes[routeIndex].targets
            if targets.isEmpty {
                let route = routes[routeIndex]
                // Its targets were there and each got its own error.
                if losses.routesWithLostTargets.contains(route.name) { continue }
                diagnostics.append(
                    .error(.emptyRoute, "route '\(route.name)' has no targets", at: route.source.nameLocation))
                continue
            }
            // Targets are sorted by priority, so only a route whose priorities do not strictly increase can
            // have a pair to report.
            if targets.indices.dropFirst().contains(where: { targets[$0 - 1].priority >= targets[$0].priority }) {
                checkPriorities(of: routes[routeIndex])
            }
            // Targets after the first that always answers are never tried; a route that ends with it has none.
            guard let terminalIndex = usage.firstAlwaysAnswering[routeIndex], terminalIndex != targets.indices.last
            else { continue }
            let route = routes[routeIndex]
            let terminal = targets[terminalIndex]
            for target in targets[(terminalIndex + 1)...] {
                diagnostics.append(
                    .warning(.unreachableTarget,
                             "target '\(target.provider)' (priority \(target.priority)) in route '\(route.name)' is never "
                                 + "tried: '\(terminal.provider)' (priority \(terminal.priority)) before it always answers",
                             at: target.source.nameLocation)
                        .note("'\(terminal.provider)' always answers: the route stops here",
                              at: terminal.source.value("provider")))
            }
        }
    }

    /// Warns, per route, about capabilities only one of its targets serves while the route fails over
    /// between several upstreams for text: when that target fails, a request that needs them gets a 400
    /// `unsupported_capability` rather than the fallback the operator may expect. Falling back to the
    /// offline template is plainly text-only and is not reported.
    private mutating func checkCapabilities() {
        // What each provider serves, looked up once per target: one hash of its name.
        struct Facts {
            var adapter: Capabilities
            var served: Capabilities
            var canFail: Bool
        }
        var facts: [String: Facts] = [:]
        for provider in configuration.providers where facts[provider.name] == nil {
            guard let declaration = catalog[provider.adapter] else { continue }
            let adapter = Capabilities(declaration.capabilities)
            facts[provider.name] = Facts(
                adapter: adapter, served: .served(declared: provider.supports, adapter: adapter),
                canFail: declaration.canFail)
        }
        let capabilities = Capability.allCases.filter { $0 != .text }
        let routes = configuration.routes
        var masks: [Capabilities] = []
        var canFail: [Bool] = []
        for routeIndex in routes.indices where routes[routeIndex].targets.count > 1 {
            let targets = routes[routeIndex].targets
            masks.removeAll(keepingCapacity: true)
            canFail.removeAll(keepingCapacity: true)
            // Targets of unknown providers or adapters are the decoder's to report; they serve nothing here.
            for index in targets.indices {
                let found = facts[targets[index].provider]
                masks.append(found.map { found in
                    targets[index].supports.map { .served(declared: $0, adapter: found.adapter) } ?? found.served
                } ?? [])
                canFail.append(found?.canFail ?? false)
            }
            // The capabilities exactly one target serves, by that target.
            var alone: [Int: [Capability]] = [:]
            for capability in capabilities {
                var serving: Int?
                var count = 0
                for index in masks.indices where masks[index].contains(capability) {
                    count += 1
                    serving = index
                    if count > 1 { break }
                }
                if count == 1, let serving { alone[serving, default: []].append(capability) }
            }
            for (index, lacking) in alone.sorted(by: { $0.key < $1.key }) {
                guard let other = masks.indices.first(where: {
                    $0 != index && canFail[$0] && !masks[$0].contains(lacking[0])
                }) else { continue }
                let route = routes[routeIndex]
                let target = route.targets[index]
                let fallback = route.targets[other]
                let them = lacking.count == 1 ? "it" : "them"
                diagnostics.append(
                    .warning(.capabilityWithoutFallback,
                             "only target '\(target.provider)' (priority \(target.priority)) of route '\(route.name)' "
                                 + "serves \(Set(lacking).listed): requests that need \(them) are never sent to "
                                 + "'\(fallback.provider)' (priority \(fallback.priority)), so when '\(target.provider)' "
                                 + "fails they get a 400 unsupported_capability",
                             at: target.source.nameLocation))
            }
        }
    }

    /// Reports each target whose priority an earlier-written target of `route` already has.
    private mutating func checkPriorities(of route: Route) {
        let targets = route.targets
        // Report the later-written target of a pair, whatever the sort put first.
        var firstAtPriority: [Int: Int] = [:]
        let inFileOrder = targets.indices.map { (start: targets[$0].source.range.start, index: $0) }
            .sorted { $0.start < $1.start }
        for (_, index) in inFileOrder {
            let priority = targets[index].priority
            if let firstIndex = firstAtPriority[priority] {
                let target = targets[index]
                let first = targets[firstIndex]
                diagnostics.append(
                    .error(.duplicatePriority,
                           "priority \(target.priority) in route '\(route.name)' is also given to the target at line "
                               + "\(first.source.range.start.line) (provider '\(first.provider)'): the order between "
                               + "them is undefined",
                           at: target.source.value("priority"))
                        .note("the other target with priority \(first.priority)", at: first.source.value("priority")))
            } else {
                firstAtPriority[priority] = index
            }
        }
    }

    private mutating func checkErrorRules() {
        let rules = configuration.errorRules
        for (index, rule) in rules.enumerated() {
            guard let earlier = rules[..<index].first(where: { $0.match.covers(rule.match) }) else { continue }
            diagnostics.append(
                .warning(.shadowedRule,
                         "error rule '\(rule.name)' can never match: rule '\(earlier.name)' at line "
                             + "\(earlier.source.range.start.line) matches everything it does, and the first match wins",
                         at: rule.source.value("match"))
                    .note("rule '\(earlier.name)' matches first", at: earlier.source.value("match")))
        }
    }

    /// Limits that cannot work as written: a limit that has no effect, or a wait the deadline always cuts.
    private mutating func checkLimits(_ usage: ProviderUsage) {
        for (index, provider) in configuration.providers.enumerated() {
            guard let limits = provider.limits else { continue }
            let what = "limits of provider '\(provider.name)'"
            if let declaration = catalog[provider.adapter], !declaration.usesNetwork {
                diagnostics.append(
                    .warning(.ineffectiveLimit,
                             "\(what) are ignored: adapter '\(provider.adapter)' makes no network calls, and the last "
                                 + "resort is never held back",
                             at: provider.source.key("limits")))
                continue
            }
            if limits.maxInFlightPerKey != nil, provider.keyPool == nil {
                diagnostics.append(
                    .warning(.ineffectiveLimit,
                             "'max_in_flight_per_key' in \(what) has no effect: the provider has no key_pool",
                             at: limits.source.key("max_in_flight_per_key")))
            }
            // Fields written with a bad value were reported already; they do not make the block ineffective.
            let setsLimit = limits.source.contains("max_in_flight") || limits.source.contains("max_in_flight_per_key")
            if !limits.limitsConcurrency {
                if !setsLimit, limits.source.contains("queue_size") || limits.source.contains("max_wait") {
                    diagnostics.append(
                        .warning(.ineffectiveLimit,
                                 "\(what) set a queue but no 'max_in_flight' or 'max_in_flight_per_key': nothing ever waits",
                                 at: provider.source.key("limits")))
                }
                continue
            }
            if limits.queueSize == 0 {
                if limits.source.contains("max_wait") {
                    diagnostics.append(
                        .warning(.ineffectiveLimit,
                                 "'max_wait' in \(what) has no effect: 'queue_size' is 0, so requests never wait",
                                 at: limits.source.key("max_wait")))
                }
                continue
            }
            if let deadline = usage.longestDeadline(providerAt: index), limits.maxWait >= deadline {
                diagnostics.append(
                    .warning(.limitWaitExceedsDeadline,
                             "'max_wait' (\(DurationParser.format(limits.maxWait))) in \(what) is not shorter than the "
                                 + "deadline of any route that uses it (longest: \(DurationParser.format(deadline))): a "
                                 + "request never waits in its queue, it moves on at once",
                             at: limits.source.value("max_wait")))
            }
        }
    }

    private mutating func checkUnused(_ usage: ProviderUsage) {
        // Without a readable providers section, nothing can be called unused.
        if losses.providersSection { return }
        let usedPools = Set(configuration.providers.compactMap(\.keyPool)).union(losses.keyPoolsOfLostProviders)
        for pool in configuration.keyPools where !usedPools.contains(pool.name) {
            diagnostics.append(
                .warning(.unusedKeyPool, "key pool '\(pool.name)' is not used by any provider",
                         at: pool.source.nameLocation))
        }
        // A route that could not be decoded may be the one that uses a provider.
        if losses.routes { return }
        for (index, provider) in configuration.providers.enumerated()
        where !usage.isUsed(providerAt: index) && !losses.providersOfLostTargets.contains(provider.name) {
            diagnostics.append(
                .warning(.unusedProvider, "provider '\(provider.name)' is not used by any route",
                         at: provider.source.nameLocation))
        }
    }
}

// MARK: - What the routes say about providers

extension ReferenceChecks {
    /// What the routes say about each provider, gathered in one pass over the targets for the checks that
    /// need it. A large file has thousands of targets and a few dozen providers: each target's provider
    /// name is hashed once, here, and the facts are kept in arrays indexed by provider.
    private struct ProviderUsage {
        /// For each route, the index of its first target whose provider's adapter always answers (the
        /// template): the targets after it are never tried.
        let firstAlwaysAnswering: [Int?]
        /// For each provider, the index of the first provider with its name, as a lookup by name finds:
        /// its own index, unless the name is declared twice. The arrays below are indexed by it.
        private let declaration: [Int]
        private let used: [Bool]
        private let longestDeadlines: [Duration?]

        init(_ configuration: SwitchboardConfiguration, catalog: AdapterCatalog) {
            let providers = configuration.providers
            var indexByName: [String: Int] = [:]
            indexByName.reserveCapacity(providers.count)
            var declaration: [Int] = []
            declaration.reserveCapacity(providers.count)
            var alwaysAnswers: [Bool] = []
            alwaysAnswers.reserveCapacity(providers.count)
            for index in providers.indices {
                let name = providers[index].name
                if let first = indexByName[name] {
                    declaration.append(first)
                } else {
                    indexByName[name] = index
                    declaration.append(index)
                }
                alwaysAnswers.append(catalog[providers[index].adapter]?.canFail == false)
            }
            var used = [Bool](repeating: false, count: providers.count)
            var longestDeadlines = [Duration?](repeating: nil, count: providers.count)
            let routes = configuration.routes
            var firstAlwaysAnswering: [Int?] = []
            firstAlwaysAnswering.reserveCapacity(routes.count)
            for routeIndex in routes.indices {
                let targets = routes[routeIndex].targets
                let deadline = routes[routeIndex].policy.deadline
                var terminal: Int?
                for index in targets.indices {
                    // A target naming an undeclared provider is the decoder's to report.
                    guard let provider = indexByName[targets[index].provider] else { continue }
                    used[provider] = true
                    longestDeadlines[provider] = max(longestDeadlines[provider] ?? .zero, deadline)
                    if terminal == nil, alwaysAnswers[provider] { terminal = index }
                }
                firstAlwaysAnswering.append(terminal)
            }
            self.firstAlwaysAnswering = firstAlwaysAnswering
            self.declaration = declaration
            self.used = used
            self.longestDeadlines = longestDeadlines
        }

        /// Whether any route names the provider at `index` in `configuration.providers`.
        func isUsed(providerAt index: Int) -> Bool { used[declaration[index]] }

        /// The longest deadline of the routes that name the provider at `index`; nil when none does.
        func longestDeadline(providerAt index: Int) -> Duration? { longestDeadlines[declaration[index]] }
    }
}
