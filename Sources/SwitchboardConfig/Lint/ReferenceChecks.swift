/// Checks that need the whole decoded configuration: references between sections, route ordering, rule
/// shadowing, and what is declared but never used.
struct ReferenceChecks {
    let configuration: SwitchboardConfiguration
    let catalog: AdapterCatalog
    private(set) var diagnostics: [Diagnostic] = []

    init(configuration: SwitchboardConfiguration, catalog: AdapterCatalog) {
        self.configuration = configuration
        self.catalog = catalog
    }

    mutating func run() -> [Diagnostic] {
        checkProviders()
        checkRoutes()
        checkErrorRules()
        checkUnused()
        return diagnostics
    }

    private mutating func checkProviders() {
        let pools = configuration.keyPools.map(\.name)
        for provider in configuration.providers {
            if let pool = provider.keyPool, let declaration = catalog[provider.adapter], !declaration.usesNetwork {
                diagnostics.append(
                    .warning(.invalidValue,
                             "provider '\(provider.name)' names key pool '\(ConfigDecoder.excerpt(pool))', but adapter "
                                 + "'\(provider.adapter)' makes no network calls and never uses keys",
                             at: provider.source.value("key_pool")))
            } else if let pool = provider.keyPool {
                if !pools.contains(pool) {
                    diagnostics.append(
                        .error(.unknownKeyPool,
                               "provider '\(provider.name)' uses key pool '\(ConfigDecoder.excerpt(pool))', which is not "
                                   + "declared under key_pools" + Suggestion.hint(for: pool, in: pools),
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
        let providers = Dictionary(configuration.providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for route in configuration.routes {
            if route.targets.isEmpty {
                diagnostics.append(
                    .error(.emptyRoute, "route '\(route.name)' has no targets", at: route.source.nameLocation))
                continue
            }
            var firstAtPriority: [Int: Target] = [:]
            // Report the later-written target of a pair, whatever the sort put first.
            for target in route.targets.sorted(by: { $0.source.range.start < $1.source.range.start }) {
                if let first = firstAtPriority[target.priority] {
                    diagnostics.append(
                        .error(.duplicatePriority,
                               "priority \(target.priority) in route '\(route.name)' is also given to the target at line "
                                   + "\(first.source.range.start.line) (provider '\(first.provider)'): the order between "
                                   + "them is undefined",
                               at: target.source.value("priority")))
                } else {
                    firstAtPriority[target.priority] = target
                }
            }
            var terminal: Target?
            for target in route.targets {
                if let terminal {
                    diagnostics.append(
                        .warning(.unreachableTarget,
                                 "target '\(target.provider)' (priority \(target.priority)) in route '\(route.name)' is never "
                                     + "tried: '\(terminal.provider)' (priority \(terminal.priority)) before it always answers",
                                 at: target.source.nameLocation))
                    continue
                }
                if let adapter = providers[target.provider]?.adapter, catalog[adapter]?.canFail == false {
                    terminal = target
                }
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

    private mutating func checkUnused() {
        let usedPools = Set(configuration.providers.compactMap(\.keyPool))
        for pool in configuration.keyPools where !usedPools.contains(pool.name) {
            diagnostics.append(
                .warning(.unusedKeyPool, "key pool '\(pool.name)' is not used by any provider",
                         at: pool.source.nameLocation))
        }
        let usedProviders = Set(configuration.routes.flatMap { $0.targets.map(\.provider) })
        for provider in configuration.providers where !usedProviders.contains(provider.name) {
            diagnostics.append(
                .warning(.unusedProvider, "provider '\(provider.name)' is not used by any route",
                         at: provider.source.nameLocation))
        }
    }
}
