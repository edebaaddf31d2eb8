/// Finds values in a JSON document without making the rest of it: the member of an object, the elements
/// of an array, where each lies in the bytes. For readers that need a few values of a frequent document
/// (a streamed event's finish reason and usage, not its text).
///
/// The document is checked once, whole, when the scan is made (`JSONParser.validate`: what the parser
/// refuses, this refuses); every walk after that is over bytes known to be JSON.
public struct JSONScan: Sendable {
    /// What a value is, from its first byte.
    public enum Kind: Sendable, Hashable {
        case object, array, string, number, bool, null
    }

    public let bytes: [UInt8]
    /// Where the document's value lies (without surrounding whitespace).
    public let root: Range<Int>
    /// When the document is an object, where its members lie (noted while checking it): lookups in the
    /// root need no walk.
    private let rootMembers: [JSONObjectBytes.MemberRange]

    public init(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParser.Error) {
        rootMembers = try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParser.Error) in try JSONParser.validateNotingMembers(buffer, maxDepth: maxDepth) }
        }.get()
        var start = 0
        var end = bytes.count
        while start < end, Self.isWhitespace(bytes[start]) { start += 1 }
        while end > start, Self.isWhitespace(bytes[end - 1]) { end -= 1 }
        self.bytes = bytes
        self.root = start..<end
    }

    public func kind(of value: Range<Int>) -> Kind {
        switch bytes[value.lowerBound] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// The member `key` of the object at `object` (the last one when the object repeats it): where the
    /// whole member lies and where its value does. Nil when absent or when `object` is not an object.
    public func member(_ key: String, of object: Range<Int>) -> JSONObjectBytes.MemberRange? {
        var found: JSONObjectBytes.MemberRange?
        forEachMember(of: object) { name, member in
            if isKey(name, key) { found = member }
        }
        return found
    }

    /// Where the member `key` lies together with the comma that separates it from a neighbour: the bytes
    /// to cut to leave it out (the last one when repeated; nil when absent). As
    /// `JSONObjectBytes.memberWithSeparator`.
    public func memberWithSeparator(_ key: String, of object: Range<Int>) -> Range<Int>? {
        var members: [JSONObjectBytes.MemberRange] = []
        var matched: Int?
        forEachMember(of: object) { name, member in
            if isKey(name, key) { matched = members.count }
            members.append(member)
        }
        return matched.map { JSONObjectBytes.cut(member: $0, of: members) }
    }

    /// Calls `body` with each member's key (with its quotes: see `isKey`) and where the member lies, in
    /// order; nothing when `object` is not an object.
    public func forEachMember(of object: Range<Int>, _ body: (Range<Int>, JSONObjectBytes.MemberRange) -> Void) {
        if object == root, !rootMembers.isEmpty {
            for member in rootMembers { body(member.member.lowerBound..<endOfString(from: member.member.lowerBound), member) }
            return
        }
        guard kind(of: object) == .object else { return }
        var index = object.lowerBound + 1
        while true {
            index = skipWhitespace(from: index)
            guard index < object.upperBound, bytes[index] == UInt8(ascii: "\"") else { return }
            let keyStart = index
            let keyEnd = endOfString(from: index)
            let valueStart = skipWhitespace(from: skipWhitespace(from: keyEnd) + 1)  // past the colon
            let valueEnd = endOfValue(from: valueStart)
            body(keyStart..<keyEnd, JSONObjectBytes.MemberRange(member: keyStart..<valueEnd, value: valueStart..<valueEnd))
            index = skipWhitespace(from: valueEnd)
            guard index < object.upperBound, bytes[index] == UInt8(ascii: ",") else { return }
            index += 1
        }
    }

    /// The value of the member `key` of the object at `object`, when there is one.
    public func value(_ key: String, of object: Range<Int>) -> Range<Int>? {
        member(key, of: object)?.value
    }

    /// Calls `body` with where each element of the array at `array` lies, in order; nothing when `array`
    /// is not an array.
    public func forEachElement(of array: Range<Int>, _ body: (Range<Int>) -> Void) {
        guard kind(of: array) == .array else { return }
        var index = skipWhitespace(from: array.lowerBound + 1)
        guard index < array.upperBound, bytes[index] != UInt8(ascii: "]") else { return }
        while true {
            let end = endOfValue(from: index)
            body(index..<end)
            index = skipWhitespace(from: end)
            guard index < array.upperBound, bytes[index] == UInt8(ascii: ",") else { return }
            index = skipWhitespace(from: index + 1)
        }
    }

    /// Whether the value at `value` is the empty string `""`.
    public func isEmptyString(_ value: Range<Int>) -> Bool {
        value.count == 2 && bytes[value.lowerBound] == UInt8(ascii: "\"")
    }

    /// The value at `value`, made (a part of a document that is already known to be JSON).
    public func parse(_ value: Range<Int>) -> JSONValue? {
        bytes.withUnsafeBytes { buffer in try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[value])) }
    }

    // MARK: - Walking known JSON

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private func skipWhitespace(from index: Int) -> Int {
        var index = index
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    /// Just past the string whose opening quote is at `start`.
    private func endOfString(from start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        return bytes.count
    }

    /// Just past the value that starts at `start`.
    private func endOfValue(from start: Int) -> Int {
        guard start < bytes.count else { return start }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return endOfString(from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = endOfString(from: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return bytes.count
        default:
            // A number or a literal: up to the next delimiter.
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return index
                default: index += 1
                }
            }
            return index
        }
    }

    /// Whether the key string at `range` (with its quotes) is `key`.
    public func isKey(_ range: Range<Int>, _ key: String) -> Bool {
        let start = range.lowerBound + 1
        let end = range.upperBound - 1
        var key = key
        let plain = key.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all -> Bool? in
                if end - start == wanted.count {
                    var offset = 0
                    while offset < wanted.count, all[start + offset] == wanted[offset] { offset += 1 }
                    if offset == wanted.count { return true }
                }
                // Only an escaped key can still be `key`.
                return all[start..<end].contains(UInt8(ascii: "\\")) ? nil : false
            }
        }
        return plain ?? (parse(range)?.string == key)
    }
}
