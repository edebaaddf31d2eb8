#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One usable API key. Printing it shows only its label: the value never reaches a log by accident.
public struct ResolvedKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `pool#index`, the only way a key is ever named.
    public var label: String
    /// The environment variable it came from.
    public var variable: String
    /// The secret itself. Send it upstream; never log, print or export it.
    public var value: String

    public init(label: String, variable: String, value: String) {
        self.label = label
        self.variable = variable
        self.value = value
    }

    public var description: String { label }
    public var debugDescription: String { "ResolvedKey(\(label) from \(variable))" }
}

/// The keys of a pool found in an environment, and why the other variables gave none.
public struct KeyResolution: Sendable, Hashable {
    public enum Problem: Sendable, Hashable {
        case unset
        case empty
        /// A value such as `your_huggingface_api_key_here`: ignored.
        case placeholder
        /// The same value as an earlier variable (named by that key's label): counted once.
        case duplicate(of: String)
        /// The key is used, but does not start with the pool's expected prefix.
        case unexpectedPrefix(expected: String)
    }

    public struct Finding: Sendable, Hashable {
        public var label: String
        public var variable: String
        /// Index in the pool's variable list.
        public var index: Int
        public var problem: Problem
    }

    public var keys: [ResolvedKey]
    public var findings: [Finding]
}

extension KeyPool {
    /// Reads the pool's variables from `environment`, in order: empty values, placeholders and duplicates
    /// are dropped; keys without the expected prefix are kept but reported.
    public func resolve(in environment: [String: String]) -> KeyResolution {
        var keys: [ResolvedKey] = []
        var findings: [KeyResolution.Finding] = []
        var seen: [String: String] = [:]
        for (index, variable) in variables.enumerated() {
            let label = label(ofVariableAt: index)
            func report(_ problem: KeyResolution.Problem) {
                findings.append(KeyResolution.Finding(label: label, variable: variable, index: index, problem: problem))
            }
            guard let raw = environment[variable] else {
                report(.unset)
                continue
            }
            let value = raw.trimmingWhitespaceAndNewlines()
            if value.isEmpty {
                report(.empty)
            } else if Self.isPlaceholder(value) {
                report(.placeholder)
            } else if let first = seen[value] {
                report(.duplicate(of: first))
            } else {
                seen[value] = label
                if let prefix, !prefix.isEmpty, !value.hasPrefix(prefix) {
                    report(.unexpectedPrefix(expected: prefix))
                }
                keys.append(ResolvedKey(label: label, variable: variable, value: value))
            }
        }
        return KeyResolution(keys: keys, findings: findings)
    }

    /// Values people leave in `.env` files instead of a key.
    public static func isPlaceholder(_ value: String) -> Bool {
        let lower = value.lowercased()
        let markers = ["your_", "your-", "_here", "-here", "placeholder", "changeme", "change_me", "replace_me",
                       "replace-me", "insert_", "example", "dummy", "<", ">", "..."]
        if markers.contains(where: lower.contains) { return true }
        if ["todo", "none", "null", "nil", "undefined", "false", "test", "key", "token", "secret"].contains(lower) {
            return true
        }
        // "xxxx", "****", "0000": one repeated character is never a key.
        return Set(lower).count == 1
    }
}
