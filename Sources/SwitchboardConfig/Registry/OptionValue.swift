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
    /// A handful of entries at most: a list in insertion order is cheaper than a hash table.
    private var entries: [(name: String, value: OptionValue)] = []

    public init(_ values: [String: OptionValue] = [:]) {
        // Every target without parameters starts from an empty set: sorting an empty dictionary still
        // costs a few hundred instructions.
        guard !values.isEmpty else { return }
        entries = values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Empty, with room for `capacity` entries.
    init(capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// Adds an entry the caller knows is not there yet (no search).
    mutating func append(_ name: String, _ value: OptionValue) {
        entries.append((name, value))
    }

    public subscript(name: String) -> OptionValue? {
        get { entries.first(where: { $0.name == name })?.value }
        set {
            let index = entries.firstIndex(where: { $0.name == name })
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((name, value))
            case (nil, nil): break
            }
        }
    }

    /// Every option by name.
    public var values: [String: OptionValue] {
        Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public var isEmpty: Bool { entries.isEmpty }

    public static func == (lhs: OptionValues, rhs: OptionValues) -> Bool { lhs.values == rhs.values }

    public func hash(into hasher: inout Hasher) { hasher.combine(values) }
}
