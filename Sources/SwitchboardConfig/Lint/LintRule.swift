/// Every check the linter makes, by the id printed after each diagnostic (`[duplicate-key]`).
public enum LintRule: String, Sendable, Hashable, CaseIterable, Comparable {
    // The file itself
    case ioError = "io-error"
    case yamlSyntax = "yaml-syntax"
    case duplicateKey = "duplicate-key"
    case yamlAlias = "yaml-alias"
    case yamlStructure = "yaml-structure"
    // Shape
    case unknownField = "unknown-field"
    case wrongType = "wrong-type"
    case missingField = "missing-field"
    case invalidValue = "invalid-value"
    case unsupportedVersion = "unsupported-version"
    case invalidDuration = "invalid-duration"
    case invalidStatus = "invalid-status"
    case invalidURL = "invalid-url"
    case insecureURL = "insecure-url"
    // References
    case unknownAdapter = "unknown-adapter"
    case invalidAdapterOption = "invalid-adapter-option"
    case unknownProvider = "unknown-provider"
    case unknownKeyPool = "unknown-key-pool"
    case missingKeyPool = "missing-key-pool"
    case unusedKeyPool = "unused-key-pool"
    case unusedProvider = "unused-provider"
    // Capabilities
    case unknownCapability = "unknown-capability"
    case unsupportedCapability = "unsupported-capability"
    case capabilityWithoutFallback = "capability-without-fallback"
    // Routes and rules
    case emptyRoute = "empty-route"
    case duplicatePriority = "duplicate-priority"
    case unreachableTarget = "unreachable-target"
    case shadowedRule = "shadowed-rule"
    case conflictingMatch = "conflicting-match"
    // Provider limits
    case ineffectiveLimit = "ineffective-limit"
    case limitWaitExceedsDeadline = "limit-wait-exceeds-deadline"
    // Prices and health checks
    case ineffectiveSetting = "ineffective-setting"
    // Secrets
    case literalSecret = "literal-secret"
    // The environment (`--check-env`)
    case envUnset = "env-unset"
    case envPlaceholder = "env-placeholder"
    case envPrefix = "env-prefix"
    case envDuplicate = "env-duplicate"
    case noUsableKey = "no-usable-key"

    public static func < (lhs: LintRule, rhs: LintRule) -> Bool { lhs.rawValue < rhs.rawValue }

    /// One line on what the rule catches, for `switchboard lint --list-rules` and the docs.
    public var summary: String {
        switch self {
        case .ioError: return "The file cannot be read."
        case .yamlSyntax: return "libyaml rejects the file (its problem, context and position are shown)."
        case .duplicateKey: return "A mapping repeats a key (reported at the second one)."
        case .yamlAlias: return "An alias names no anchor, forms a cycle, or expands too far (alias bomb)."
        case .yamlStructure:
            return "Empty file, more than one document, nesting too deep, or a bad merge key."
        case .unknownField: return "A field the schema does not know (with the nearest known name)."
        case .wrongType: return "A field has the wrong type (a list where a string belongs, …)."
        case .missingField: return "A required field is absent."
        case .invalidValue: return "A value is out of range or not one of the allowed words."
        case .unsupportedVersion: return "`version` is not a version this build understands."
        case .invalidDuration: return "A duration is not written like `250ms`, `30s`, `2m` or `1h`."
        case .invalidStatus: return "An HTTP status or status range outside 100–599."
        case .invalidURL: return "A base URL that is not an absolute http(s) URL."
        case .insecureURL: return "Plain http:// to a host that is not loopback (keys would cross the network in clear)."
        case .unknownAdapter: return "A provider names an adapter type nobody registered (with the nearest name)."
        case .invalidAdapterOption:
            return "An adapter option or target parameter the adapter's own schema rejects."
        case .unknownProvider: return "A route target names a provider that is not declared."
        case .unknownKeyPool: return "A provider names a key pool that is not declared."
        case .missingKeyPool: return "A provider whose adapter needs API keys has no key pool."
        case .unusedKeyPool: return "A key pool no provider uses."
        case .unusedProvider: return "A provider no route uses."
        case .unknownCapability:
            return "`supports:` names a capability that does not exist (with the nearest name)."
        case .unsupportedCapability:
            return "`supports:` names a capability the adapter cannot relay (it is ignored: never a downgrade)."
        case .capabilityWithoutFallback:
            return "Only one target of a route serves a capability: requests that need it have no fallback."
        case .emptyRoute: return "A route with no targets."
        case .duplicatePriority: return "Two targets of one route share a priority, so their order is undefined."
        case .unreachableTarget: return "A target after one that cannot fail (the template) is never tried."
        case .shadowedRule: return "An error rule that can never match because an earlier rule matches first."
        case .conflictingMatch: return "An error rule matches both HTTP statuses and transport failures, or nothing."
        case .ineffectiveLimit:
            return "A provider limit that can have no effect (on the template, per key without keys, a wait without a limit)."
        case .limitWaitExceedsDeadline:
            return "A provider's max_wait is not shorter than the deadline of any route using it, so nothing ever waits."
        case .ineffectiveSetting:
            return "`price:` or `health_check:` on an adapter that makes no network calls (the template): it has no effect."
        case .literalSecret: return "A value shaped like an API key (hf_…, sk-…) is written in the file."
        case .envUnset: return "--check-env: a key variable named in a pool is not set."
        case .envPlaceholder: return "--check-env: a key variable holds a placeholder (ignored as a key)."
        case .envPrefix: return "--check-env: a key does not start with its pool's expected prefix."
        case .envDuplicate: return "--check-env: two variables of a pool hold the same key (counted once)."
        case .noUsableKey:
            return "--check-env: every target of a route needs a key and no pool has one, with no keyless fallback."
        }
    }
}
