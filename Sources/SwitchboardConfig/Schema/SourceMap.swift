/// Where a configuration entity and each of its fields were written, so that checks made after decoding
/// (unknown provider, duplicate priority, …) can point at the exact line and column.
public struct SourceMap: Sendable, Hashable {
    /// The entity's own node (a mapping, usually).
    public var range: SourceRange
    /// Where the entity is named: its key in the parent mapping, or its node when it sits in a list.
    public var nameLocation: SourceLocation
    /// A handful of fields per entity: a list searched in order beats hashing here.
    private var fields: [Field] = []
    /// Field positions by name (the latest wins), once there are more than `indexThreshold` fields: a key
    /// pool's `env.N` entries can number in the thousands.
    private var index: [String: Int]?
    private static let indexThreshold = 16

    private struct Field: Sendable, Hashable {
        var name: String
        var key: SourceLocation
        var value: SourceLocation
    }

    public init(range: SourceRange, nameLocation: SourceLocation? = nil) {
        self.range = range
        self.nameLocation = nameLocation ?? range.start
    }

    /// Room for `capacity` fields up front, so recording them allocates once.
    init(range: SourceRange, nameLocation: SourceLocation?, capacity: Int) {
        self.init(range: range, nameLocation: nameLocation)
        fields.reserveCapacity(capacity)
    }

    /// Sources for entities built in code rather than read from a file.
    public static let none = SourceMap(range: SourceRange(at: .start))

    mutating func record(field: String, key: SourceLocation, value: SourceLocation) {
        fields.append(Field(name: field, key: key, value: value))
        if index != nil {
            index?[field] = fields.count - 1
        } else if fields.count > Self.indexThreshold {
            index = Dictionary(fields.indices.map { (fields[$0].name, $0) }, uniquingKeysWith: { _, last in last })
        }
    }

    private func lastField(_ name: String) -> Field? {
        if let index { return index[name].map { fields[$0] } }
        return fields.last(where: { $0.name == name })
    }

    /// Whether the field was written.
    public func contains(_ field: String) -> Bool { lastField(field) != nil }

    /// The position of a field's value, or of the entity if the field was not written.
    public func value(_ field: String) -> SourceLocation {
        lastField(field)?.value ?? nameLocation
    }

    /// The position of a field's key, or of the entity if the field was not written.
    public func key(_ field: String) -> SourceLocation {
        lastField(field)?.key ?? nameLocation
    }
}
