/// Where a configuration entity and each of its fields were written, so that checks made after decoding
/// (unknown provider, duplicate priority, …) can point at the exact line and column.
public struct SourceMap: Sendable, Hashable {
    /// The entity's own node (a mapping, usually).
    public var range: SourceRange
    /// Where the entity is named: its key in the parent mapping, or its node when it sits in a list.
    public var nameLocation: SourceLocation
    /// The mapping the entity was read from, when it was: its fields' positions are looked up there
    /// when a message needs one, so decoding a large file records nothing per field. (It keeps the
    /// document's node tree alive as long as the configuration.)
    private var mapping: YAMLNode?
    /// Positions recorded one by one (a key pool's `env.N` entries), searched before `mapping`. A
    /// handful per entity, usually: a list searched in order beats hashing here.
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

    /// The sources of an entity read from a mapping node; its fields are the mapping's scalar keys.
    init(mapping: YAMLNode, nameLocation: SourceLocation?) {
        let range = mapping.range
        self.range = range
        self.nameLocation = nameLocation ?? range.start
        self.mapping = mapping
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
        if let index, let position = index[name] { return fields[position] }
        if index == nil, let field = fields.last(where: { $0.name == name }) { return field }
        guard let pair = mapping?.pairs?.first(withKey: name) else { return nil }
        return Field(name: name, key: pair.key.location, value: pair.value.location)
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
