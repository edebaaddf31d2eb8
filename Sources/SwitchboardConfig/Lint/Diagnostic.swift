/// One finding about a configuration file: where, how bad, which rule, and what to do about it.
public struct Diagnostic: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .warning && rhs == .error
        }
    }

    /// Another place the finding involves (the first of two duplicates, the rule that shadows another),
    /// printed after it as swiftc prints `note:`.
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation

        public init(_ message: String, at location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    public var rule: LintRule
    public var message: String
    public var location: SourceLocation
    /// The file the finding is in, when known (the linter fills it in).
    public var file: String?
    public var notes: [Note] = []

    public init(
        _ severity: Severity, _ rule: LintRule, _ message: String, at location: SourceLocation,
        file: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.file = file
    }

    public static func error(_ rule: LintRule, _ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, rule, message, at: location)
    }

    public static func warning(_ rule: LintRule, _ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, rule, message, at: location)
    }

    /// The diagnostic with a note pointing at another place.
    public func note(_ message: String, at location: SourceLocation) -> Diagnostic {
        var copy = self
        copy.notes.append(Note(message, at: location))
        return copy
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// In file order, then by position; errors before warnings at the same place.
    public func sortedBySource() -> [Diagnostic] {
        sorted {
            ($0.file ?? "", $0.location.line, $0.location.column, $1.severity, $0.rule.rawValue)
                < ($1.file ?? "", $1.location.line, $1.location.column, $0.severity, $1.rule.rawValue)
        }
    }
}
