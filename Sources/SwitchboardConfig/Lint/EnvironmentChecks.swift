#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--check-env`: the configuration against the environment it will run in. Keys are named by their
/// `pool#index` label and variable, never by value.
struct EnvironmentChecks {
    let configuration: SwitchboardConfiguration
    let catalog: AdapterCatalog
    let environment: [String: String]

    func run() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var usable: [String: Bool] = [:]
        for pool in configuration.keyPools {
            let resolution = pool.resolve(in: environment)
            usable[pool.name] = !resolution.keys.isEmpty
            for finding in resolution.findings {
                let location = pool.source.value("env.\(finding.index)")
                let key = "\(finding.label) (\(finding.variable))"
                switch finding.problem {
                case .unset:
                    diagnostics.append(.warning(.envUnset, "\(key) is not set", at: location))
                case .empty:
                    diagnostics.append(.warning(.envUnset, "\(key) is set but empty", at: location))
                case .placeholder:
                    diagnostics.append(
                        .warning(.envPlaceholder, "\(key) holds a placeholder, not a key: it is ignored", at: location))
                case .duplicate(let first):
                    diagnostics.append(
                        .warning(.envDuplicate, "\(key) holds the same key as \(first): it is counted once", at: location))
                case .unexpectedPrefix(let expected):
                    diagnostics.append(
                        .warning(.envPrefix,
                                 "\(key) does not start with '\(expected)' as keys of pool '\(pool.name)' should",
                                 at: location))
                }
            }
        }
        let providers = Dictionary(configuration.providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for route in configuration.routes where !route.targets.isEmpty {
            let targetProviders = route.targets.compactMap { providers[$0.provider] }
            guard targetProviders.count == route.targets.count else { continue }  // unknown providers are reported elsewhere
            let answerable = targetProviders.contains { provider in
                guard let pool = provider.keyPool else { return true }  // keyless: template, local servers
                return usable[pool] ?? false
            }
            if !answerable {
                let variables = Set(targetProviders.compactMap(\.keyPool))
                    .sorted()
                    .compactMap { configuration.keyPool(named: $0) }
                    .flatMap(\.variables)
                diagnostics.append(
                    .error(.noUsableKey,
                           "route '\(route.name)' cannot answer: every target needs an API key, none is set, and no "
                               + "keyless fallback (such as a template target) follows; set one of "
                               + variables.joined(separator: ", "),
                           at: route.source.nameLocation))
            }
        }
        if let state = configuration.state { diagnostics += stateChecks(state) }
        return diagnostics
    }

    /// The state database's variable, checked as `serve` reads it: `serve` refuses to start without a
    /// usable URL there. The value is never echoed (it holds a password).
    private func stateChecks(_ state: StateSettings) -> [Diagnostic] {
        let location = state.source.value("postgres_env")
        let variable = state.postgresEnv
        guard let url = environment[variable] else {
            return [.warning(.envUnset, "state.postgres_env names \(variable), which is not set: serve will refuse to start",
                             at: location)]
        }
        guard let problem = Self.connectionURLProblem(url, tlsInFile: state.tls != nil) else { return [] }
        return [.warning(.envUnset, "\(variable) \(problem): serve will refuse to start", at: location)]
    }

    /// What `serve` would reject in the URL, in words that quote no part of it; nil when it would accept it.
    static func connectionURLProblem(_ url: String, tlsInFile: Bool) -> String? {
        if url.isEmpty { return "is set but empty" }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { return "does not hold a postgres:// or postgresql:// URL" }
        if components.host?.isEmpty ?? true { return "holds a URL that names no host" }
        if components.user?.isEmpty ?? true { return "holds a URL that names no user" }
        // `tls:` in the file wins over sslmode, which is then never read.
        if !tlsInFile, let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value,
            !Self.sslModes.contains(mode)
        {
            return "holds a URL whose sslmode is not one of " + Self.sslModes.joined(separator: ", ")
        }
        return nil
    }

    /// The `sslmode` values `serve` understands (libpq's, `allow` read as `prefer`, `verify-ca` as `verify-full`).
    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
}
