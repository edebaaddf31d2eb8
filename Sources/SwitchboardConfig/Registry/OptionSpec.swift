/// The declaration of one adapter option (under a provider's `options:`) or one target parameter
/// (under a target's `parameters:`). The linter validates against these, so an adapter type brings its
/// own checks without the linter being edited.
public struct OptionSpec: Sendable, Hashable {
    public enum ValueType: Sendable, Hashable {
        case string
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case boolean
        case duration
        /// One of a fixed set of words.
        case oneOf([String])
        case stringList
        /// A mapping of names to strings (e.g. templates by name).
        case stringMap
        /// The name of an entry in the provider's `stringMap` option of that name (e.g. a target's
        /// `template` names one of its provider's `templates`).
        case keyOf(option: String)

        /// How the type reads in a message: "an integer from 1 to 100000", "one of a, b".
        public var description: String {
            switch self {
            case .string: return "a string"
            case .integer(let range): return "an integer from \(range.lowerBound) to \(range.upperBound)"
            case .number(let range): return "a number from \(range.lowerBound) to \(range.upperBound)"
            case .boolean: return "true or false"
            case .duration: return "a duration such as 250ms, 30s or 2m"
            case .oneOf(let words): return "one of " + words.joined(separator: ", ")
            case .stringList: return "a list of strings"
            case .stringMap: return "a mapping of names to strings"
            case .keyOf(let option): return "the name of one of the provider's \(option)"
            }
        }
    }

    public var name: String
    public var type: ValueType
    public var isRequired: Bool
    /// The value used when the option is absent, if any.
    public var defaultValue: OptionValue?
    /// One line for the docs and for `did you mean` messages.
    public var summary: String

    public init(
        _ name: String, _ type: ValueType, required: Bool = false, default defaultValue: OptionValue? = nil,
        summary: String
    ) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
