/// Checks that need the whole decoded configuration: references between sections, route ordering, rule
/// shadowing, and what is declared but never used.
struct ReferenceChecks {
    let configuration: SwitchboardConfiguration
    let catalog: AdapterCatalog
    private(set) var diagnostics: [Diagnostic] = []
    /// "Did you mean" hints left for unknown key pools (see `ConfigDecoder.hintBudget`).
    private var hintBudget = Suggestion.budget

    init(configuration: SwitchboardConfiguration, catalog: AdapterCatalog) {
        self.configuration = configuration
        self.catalog = catalog
    }

    mutating func run() -> [Diagnostic] {
        checkProviders()
        checkRoutes()
        checkErrorRules()
        checkLimits()
        checkUnused()
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
                if !declared.contains(pool) {
                    var hint = ""
                    if hintBudget > 0 {
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

    private mutating func checkRoutes() {
        // Providers whose adapter always answers (the template): targets after them are never tried.
        var alwaysAnswers: [String: Bool] = [:]
        alwaysAnswers.reserveCapacity(configuration.providers.count)
        for provider in configuration.providers where alwaysAnswers[provider.name] == nil {
            alwaysAnswers[provider.name] = catalog[provider.adapter]?.canFail == false
        }
        for route in configuration.routes {
            let targets = route.targets
            if targets.isEmpty {
                diagnostics.append(
                    .error(.emptyRoute, "route '\(route.name)' has no targets", at: route.source.nameLocation))
                continue
            }
            // Report the later-written target of a pair, whatever the sort put first. Targets are named by
            // index, so checking a large route copies none of them.
            var firstAtPriority: [Int: Int] = [:]
            firstAtPriority.reserveCapacity(targets.count)
            // Sorting (position, index) pairs compares plain values instead of reaching into targets.
            let inFileOrder = targets.indices.map { (start: targets[$0].source.range.start, index: $0) }
                .sorted { $0.start < $1.start }
            for (_, index) in inFileOrder {
                // Fields are read in place: copying a whole target retains each of its strings and lists.
                let priority = targets[index].priority
                if let firstIndex = firstAtPriority[priority] {
                    let target = targets[index]
                    let first = targets[firstIndex]
                    diagnostics.append(
                        .error(.duplicatePriority,
                               "priority \(target.priority) in route '\(route.name)' is also given to the target at line "
                                   + "\(first.source.range.start.line) (provider '\(first.provider)'): the order between "
                                   + "them is undefined",
                               at: target.source.value("priority")))
                } else {
                    firstAtPriority[priority] = index
                }
            }
            // By index, not `firstIndex(where:)`: its closure is handed a copy of every target it passes.
            guard let terminalIndex = targets.indices.first(where: { alwaysAnswers[targets[$0].provider] == true })
            else { continue }
            let terminal = targets[terminalIndex]
            for target in targets[(terminalIndex + 1)...] {
                diagnostics.append(
                    .warning(.unreachableTarget,
                             "target '\(target.provider)' (priority \(target.priority)) in route '\(route.name)' is never "
                                 + "tried: '\(terminal.provider)' (priority \(terminal.priority)) before it always answers",
                             at: target.source.nameLocation))
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
                         at: rule.source.value("match")))
        }
    }

    /// Limits that cannot work as written: a limit that has no effect, or a wait the deadline always cuts.
    private mutating func checkLimits() {
        var longestDeadline: [String: Duration] = [:]
        for route in configuration.routes {
            // Fields read in place: iterating the targets would copy each one (and retain its strings and lists).
            let targets = route.targets
            for index in targets.indices {
                let provider = targets[index].provider
                longestDeadline[provider] = max(longestDeadline[provider] ?? .zero, route.policy.deadline)
            }
        }
        for provider in configuration.providers {
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
            if let deadline = longestDeadline[provider.name], limits.maxWait >= deadline {
                diagnostics.append(
                    .warning(.limitWaitExceedsDeadline,
                             "'max_wait' (\(DurationParser.format(limits.maxWait))) in \(what) is not shorter than the "
                                 + "deadline of any route that uses it (longest: \(DurationParser.format(deadline))): a "
                                 + "request never waits in its queue, it moves on at once",
                             at: limits.source.value("max_wait")))
            }
        }
    }

    private mutating func checkUnused() {
        let usedPools = Set(configuration.providers.compactMap(\.keyPool))
        for pool in configuration.keyPools where !usedPools.contains(pool.name) {
            diagnostics.append(
                .warning(.unusedKeyPool, "key pool '\(pool.name)' is not used by any provider",
                         at: pool.source.nameLocation))
        }
        var usedProviders = Set<String>(minimumCapacity: configuration.providers.count)
        for route in configuration.routes {
            let targets = route.targets
            for index in targets.indices { usedProviders.insert(targets[index].provider) }
        }
        for provider in configuration.providers where !usedProviders.contains(provider.name) {
            diagnostics.append(
                .warning(.unusedProvider, "provider '\(provider.name)' is not used by any route",
                         at: provider.source.nameLocation))
        }
    }
}
