/// A JSON object kept as the bytes it arrived as, parsed, with where each member lies in them.
///
/// A relay that changes a few members of a large body (a chat request's `model`, a streamed chunk's
/// `usage`) copies every other member's bytes as they are: nothing it does not touch is re-encoded,
/// so numbers keep their exact digits (a 64-bit `seed`), strings their escapes, and members their order.
public struct JSONObjectBytes: Sendable, Hashable {
    /// Where one member lies: from its key's opening quote to the end of its value, and the value alone.
    public struct MemberRange: Sendable, Hashable {
        public var member: Range<Int>
        public var value: Range<Int>
    }

    public let bytes: [UInt8]
    /// The members, parsed, in document order.
    public let object: JSONObject
    /// `ranges[i]` is where `object[i]` lies in `bytes`.
    public let ranges: [MemberRange]

    /// Parses `bytes`, which must hold one JSON object.
    public init(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParser.Error) {
        let parsed = try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParser.Error) in try JSONParser.parseObjectMembers(buffer, maxDepth: maxDepth) }
        }.get()
        self.bytes = bytes
        self.object = parsed.object
        self.ranges = parsed.ranges
    }

    /// The value of `key` (the last one when the object repeats it).
    public subscript(key: String) -> JSONValue? { object[key] }

    /// Whether the object has a member `key`.
    public func contains(_ key: String) -> Bool { object.members.contains { $0.key == key } }

    /// The bytes of `key`'s value as they arrived (the last one when repeated).
    public func valueBytes(_ key: String) -> ArraySlice<UInt8>? {
        guard let index = object.members.lastIndex(where: { $0.key == key }) else { return nil }
        return bytes[ranges[index].value]
    }

    /// Where the member `key` lies together with the comma that separates it from a neighbour: the
    /// bytes to cut to leave it out (the last one when repeated; nil when absent).
    public func memberWithSeparator(_ key: String) -> Range<Int>? {
        guard let index = object.members.lastIndex(where: { $0.key == key }) else { return nil }
        return Self.cut(member: index, of: ranges)
    }

    /// The bytes to cut to leave out the member at `index` of an object whose members lie at `ranges`:
    /// with the comma before it, or (the first member) the comma after it.
    static func cut(member index: Int, of ranges: [MemberRange]) -> Range<Int> {
        if index > 0 { return ranges[index - 1].member.upperBound..<ranges[index].member.upperBound }
        if ranges.count > 1 { return ranges[0].member.lowerBound..<ranges[1].member.lowerBound }
        return ranges[0].member
    }

    /// What becomes of a member when the object is written again.
    public enum Edit: Sendable, Hashable {
        /// Left out.
        case remove
        /// Its value replaced (or, for a member the object lacks, added at the end).
        case set(JSONValue)
    }

    /// The object written again with `edits` applied: edited members keep their place, members the
    /// object lacks are added at the end in `order`, and every other member is copied byte for byte.
    public func writing(_ edits: [String: Edit], order: [String] = []) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: bytes.count + 64)
        json.object { json in
            for (index, member) in object.members.enumerated() {
                guard let edit = edits[member.key] else {
                    json.raw(bytes[ranges[index].member])
                    continue
                }
                if case .set(let value) = edit {
                    json.key(member.key)
                    json.value(value)
                }
            }
            for key in order where !contains(key) {
                if case .set(let value) = edits[key] {
                    json.key(key)
                    json.value(value)
                }
            }
        }
        return json.bytes
    }
}
