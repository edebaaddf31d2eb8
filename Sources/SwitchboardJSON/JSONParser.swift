/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// The gateway parses every request body and every upstream answer; Foundation's parsers build
/// `NSDictionary`/`NSNumber` graphs or go through `Codable`'s generic machinery, which cost more than
/// the rest of the request. This one builds `JSONValue`s directly. It refuses what RFC 8259 refuses
/// (trailing commas, comments, single quotes, leading zeros, invalid UTF-8, lone surrogates, control
/// characters in strings) and bounds nesting, so hostile input ends in an error, never a stack overflow.
public enum JSONParser {
    /// Why the bytes are not JSON, and where (a 0-based byte offset).
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var offset: Int

        public init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }

        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Deeper nesting than this is refused (real request bodies nest a few levels).
    public static let defaultMaxDepth = 256

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(Error) -> JSONValue {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw Error(message: "empty input", offset: 0)
        }
        var cursor = Cursor(base: base, count: bytes.count, maxDepth: maxDepth)
        return try cursor.document()
    }

    /// Parses a document that must be an object, noting where each of its members lies in the bytes
    /// (see `JSONObjectBytes`).
    static func parseObjectMembers(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth
    ) throws(Error) -> (object: JSONObject, ranges: [JSONObjectBytes.MemberRange]) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw Error(message: "empty input", offset: 0)
        }
        var cursor = Cursor(base: base, count: bytes.count, maxDepth: maxDepth)
        cursor.memberRanges = []
        // A chat request, answer or chunk has about a dozen top-level members: one allocation, not four.
        cursor.memberRanges?.reserveCapacity(16)
        guard case .object(let object) = try cursor.document() else {
            throw Error(message: "expected a JSON object", offset: 0)
        }
        return (object, cursor.memberRanges ?? [])
    }

    /// Checks that `bytes` hold one JSON document, refusing what `parse` refuses, without making its
    /// values (no strings, arrays or objects are built: see `JSONScan`).
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(Error) {
        _ = try validateNotingMembers(bytes, maxDepth: maxDepth)
    }

    /// `validate`, noting where each member of a top-level object lies (empty for any other document).
    static func validateNotingMembers(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth
    ) throws(Error) -> [JSONObjectBytes.MemberRange] {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw Error(message: "empty input", offset: 0)
        }
        var cursor = Cursor(base: base, count: bytes.count, maxDepth: maxDepth)
        cursor.validatesOnly = true
        cursor.memberRanges = []
        cursor.memberRanges?.reserveCapacity(16)
        _ = try cursor.document()
        return cursor.memberRanges ?? []
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(Error) -> JSONValue {
        // `withUnsafeBytes` rethrows untyped errors: the typed one travels in a `Result`.
        try bytes.withUnsafeBytes { buffer in Result { () throws(Error) in try parse(buffer, maxDepth: maxDepth) } }.get()
    }

    /// Parses the string's UTF-8 in place (no copy: streamed answers parse one of these per event).
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(Error) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(Error) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }.get()
    }
}

private struct Cursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var index = 0
    var depth = 0
    /// When set, where each member of the top-level object lies.
    var memberRanges: [JSONObjectBytes.MemberRange]?
    /// When set, values are checked but not made: every value reads as `.null`.
    var validatesOnly = false

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.count = count
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONParser.Error) -> JSONValue {
        let value = try value()
        skipWhitespace()
        guard index == count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    private func fail(_ message: String, at offset: Int? = nil) -> JSONParser.Error {
        JSONParser.Error(message: message, offset: offset ?? index)
    }

    private mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(JSONParser.Error) -> JSONValue {
        skipWhitespace()
        guard index < count else { throw fail("unexpected end of input") }
        switch base[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""):
            if validatesOnly {
                try skipString()
                return .null
            }
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return validatesOnly ? .null : .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return validatesOnly ? .null : .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try number()
            return validatesOnly ? .null : .number(number)
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParser.Error) {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw fail("unexpected end of input") }
        for offset in 0..<length where base[index + offset] != word.utf8Start[offset] {
            throw fail("unexpected character", at: index + offset)
        }
        index += length
    }

    private mutating func enter() throws(JSONParser.Error) {
        depth += 1
        guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
    }

    private mutating func object() throws(JSONParser.Error) -> JSONValue {
        try enter()
        index += 1  // {
        var members: [JSONObject.Member] = []
        if closesAtOnce(UInt8(ascii: "}")) { return .object(JSONObject(members)) }
        repeat {
            skipWhitespace()
            guard index < count else { throw fail("unexpected end of input") }
            guard base[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = index
            let key: String
            if validatesOnly {
                try skipString()
                key = ""
            } else {
                key = try string()
            }
            skipWhitespace()
            guard index < count, base[index] == UInt8(ascii: ":") else { throw fail("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let valueStart = index
            let parsed = try value()
            if !validatesOnly { members.append(JSONObject.Member(key: key, value: parsed)) }
            if depth == 1, memberRanges != nil {
                memberRanges?.append(JSONObjectBytes.MemberRange(member: keyStart..<index, value: valueStart..<index))
            }
        } while try continues(closing: UInt8(ascii: "}"), otherwise: "expected ',' or '}' in an object")
        return .object(JSONObject(members))
    }

    private mutating func array() throws(JSONParser.Error) -> JSONValue {
        try enter()
        index += 1  // [
        var elements: [JSONValue] = []
        if closesAtOnce(UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            let element = try value()
            if !validatesOnly { elements.append(element) }
        } while try continues(closing: UInt8(ascii: "]"), otherwise: "expected ',' or ']' in an array")
        return .array(elements)
    }

    /// Just after an opening bracket: whether `closing` follows at once (an empty container, then left).
    private mutating func closesAtOnce(_ closing: UInt8) -> Bool {
        skipWhitespace()
        guard index < count, base[index] == closing else { return false }
        index += 1
        depth -= 1
        return true
    }

    /// After an element: true past a `,` (another element follows), false past `closing` (the container
    /// is left); anything else is the error `otherwise`.
    private mutating func continues(closing: UInt8, otherwise message: String) throws(JSONParser.Error) -> Bool {
        skipWhitespace()
        guard index < count else { throw fail("unexpected end of input") }
        switch base[index] {
        case UInt8(ascii: ","):
            index += 1
            return true
        case closing:
            index += 1
            depth -= 1
            return false
        default:
            throw fail(message)
        }
    }

    // MARK: - Strings

    private mutating func string() throws(JSONParser.Error) -> String {
        let start = index + 1  // after the quote
        var cursor = start
        var bits: UInt8 = 0  // every byte or-ed: below 0x80 when the string is ASCII
        // Fast path: no escapes, which is nearly every key and most values.
        while cursor < count {
            let byte = base[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                let bytes = UnsafeBufferPointer(start: base + start, count: cursor - start)
                // ASCII is valid UTF-8 as it is: no validation (and no generic decoding) needed.
                return bits < 0x80 ? String(decoding: bytes, as: UTF8.self) : try text(bytes, at: start)
            }
            bits |= byte
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("a control character in a string must be escaped", at: cursor) }
            cursor += 1
        }
        guard cursor < count else { throw fail("unterminated string", at: start - 1) }
        var bytes = Array(UnsafeBufferPointer(start: base + start, count: cursor - start))
        index = cursor
        while index < count {
            let byte = base[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try bytes.withUnsafeBufferPointer { buffer throws(JSONParser.Error) in try text(buffer, at: start) }
            case UInt8(ascii: "\\"):
                try escape(into: &bytes)
            case ..<0x20:
                throw fail("a control character in a string must be escaped")
            default:
                bytes.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string", at: start - 1)
    }

    /// Checks a string and moves past it without making it (an escaped one is still decoded, to check
    /// its escapes).
    private mutating func skipString() throws(JSONParser.Error) {
        let start = index + 1  // after the quote
        var cursor = start
        var bits: UInt8 = 0
        while cursor < count {
            let byte = base[cursor]
            if byte == UInt8(ascii: "\"") {
                if bits >= 0x80 { _ = try text(UnsafeBufferPointer(start: base + start, count: cursor - start), at: start) }
                index = cursor + 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                _ = try string()
                return
            }
            if byte < 0x20 { throw fail("a control character in a string must be escaped", at: cursor) }
            bits |= byte
            cursor += 1
        }
        throw fail("unterminated string", at: start - 1)
    }

    private func text(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONParser.Error) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("invalid UTF-8 in a string", at: offset) }
        return text
    }

    private mutating func escape(into bytes: inout [UInt8]) throws(JSONParser.Error) {
        index += 1  // backslash
        guard index < count else { throw fail("unterminated string") }
        let byte = base[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard count - index >= 6, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
                    throw fail("an unpaired UTF-16 surrogate in a string")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("an unpaired UTF-16 surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("an unpaired UTF-16 surrogate in a string")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
            bytes.append(contentsOf: unicode.utf8)
        default:
            throw fail("an invalid escape in a string", at: index - 2)
        }
    }

    private mutating func hex4() throws(JSONParser.Error) -> UInt32 {
        guard count - index >= 4 else { throw fail("unterminated string") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("an invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: - Numbers

    private mutating func number() throws(JSONParser.Error) -> Double {
        let start = index
        var negative = false
        if base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < count, isDigit(base[index]) else { throw fail("a number needs a digit") }
        // Whole numbers of up to 15 digits are exact in a Double and common (max_tokens, usage counts).
        var whole: Int64 = 0
        var digits = 0
        if base[index] == UInt8(ascii: "0") {
            index += 1
            if index < count, isDigit(base[index]) { throw fail("a number cannot have a leading zero") }
        } else {
            while index < count, isDigit(base[index]) {
                if digits < 18 { whole = whole * 10 + Int64(base[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
        }
        var simple = digits <= 15
        if index < count, base[index] == UInt8(ascii: ".") {
            simple = false
            index += 1
            guard index < count, isDigit(base[index]) else { throw fail("a digit must follow the decimal point") }
            while index < count, isDigit(base[index]) { index += 1 }
        }
        if index < count, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            simple = false
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count, isDigit(base[index]) else { throw fail("a digit must follow the exponent") }
            while index < count, isDigit(base[index]) { index += 1 }
        }
        if simple { return negative ? -Double(whole) : Double(whole) }
        let literal = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(literal), value.isFinite else { throw fail("a number out of range", at: start) }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
