/// A validated adapter option or target parameter, typed by the adapter's option schema.
public enum OptionValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case duration(Duration)
    case stringList([String])
    case stringMap([String: String])

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var integer: Int? { if case .integer(let value) = self { value } else { nil } }
    public var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
    public var duration: Duration? { if case .duration(let value) = self { value } else { nil } }
    public var stringList: [String]? { if case .stringList(let value) = self { value } else { nil } }
    public var stringMap: [String: String]? { if case .stringMap(let value) = self { value } else { nil } }

    /// Integers are numbers too (`temperature: 1`).
    public var number: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}

/// The options of one provider or the parameters of one target, after validation.
public struct OptionValues: Sendable, Hashable {
    /// Every option by name.
    public private(set) var values: [String: OptionValue]

    public init(_ values: [String: OptionValue] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> OptionValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public var isEmpty: Bool { values.isEmpty }
}
