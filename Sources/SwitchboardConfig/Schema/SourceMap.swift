/// Where a configuration entity and each of its fields were written, so that checks made after decoding
/// (unknown provider, duplicate priority, …) can point at the exact line and column.
public struct SourceMap: Sendable, Hashable {
    /// The entity's own node (a mapping, usually).
    public var range: SourceRange
    /// Where the entity is named: its key in the parent mapping, or its node when it sits in a list.
    public var nameLocation: SourceLocation
    /// The mapping the entity was read from, when it was: its fields' positions are looked up there
    /// when a message needs one. (It keeps the document's node tree alive as long as the configuration.)
    private var mapping: YAMLNode?
    /// Positions recorded one by one (a key pool's `env.N` entries), searched before `mapping`.
    private var fields: [String: Field] = [:]

    private struct Field: Sendable, Hashable {
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
        fields[field] = Field(key: key, value: value)
    }

    private func lastField(_ name: String) -> Field? {
        if let field = fields[name] { return field }
        guard let pair = mapping?.mapping?.first(where: { $0.key.string == name }) else { return nil }
        return Field(key: pair.key.location, value: pair.value.location)
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
