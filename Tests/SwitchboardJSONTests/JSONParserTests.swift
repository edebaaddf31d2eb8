import Foundation
import SwitchboardJSON
import Testing

struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"""
            {"model": "gpt", "n": 1, "t": 0.25, "neg": -12, "exp": 1.5e3, "ok": true, "no": false, "none": null,
             "list": [1, "two", [], {}], "nested": {"a": {"b": [null]}}}
            """#)
        #expect(value["model"]?.string == "gpt")
        #expect(value["n"]?.integer == 1)
        #expect(value["t"]?.number == 0.25)
        #expect(value["neg"]?.integer == -12)
        #expect(value["exp"]?.number == 1500)
        #expect(value["ok"]?.bool == true)
        #expect(value["no"]?.bool == false)
        #expect(value["none"]?.isNull == true)
        #expect(value["list"]?.array?.count == 4)
        #expect(value["list"]?.array?[1].string == "two")
        #expect(value["nested"]?["a"]?["b"]?.array == [.null])
        #expect(value["absent"] == nil)
        // A boolean is not a number, and 2.5 is not an integer.
        #expect(value["ok"]?.number == nil)
        #expect(value["t"]?.integer == nil)
    }

    @Test func decodesEscapes() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "plain é 中 😀"]"#)
        #expect(value.array?.map { $0.string ?? "" } == ["a\"b\\c/d\u{8}\u{c}\n\r\t", "é中", "😀", "plain é 中 😀"])
    }

    @Test func lastDuplicateKeyWins() throws {
        let value = try JSONParser.parse(#"{"a": 1, "a": 2}"#)
        #expect(value["a"]?.integer == 2)
        #expect(value.object?.count == 2)
    }

    @Test(arguments: [
        ("", "empty input"),
        ("   ", "unexpected end of input"),
        ("{", "unexpected end of input"),
        ("[1,]", "unexpected character"),
        ("{\"a\":1,}", "expected a string key"),
        ("{'a':1}", "expected a string key"),
        ("[01]", "a number cannot have a leading zero"),
        ("[1.]", "a digit must follow the decimal point"),
        ("[1e]", "a digit must follow the exponent"),
        ("[-]", "a number needs a digit"),
        ("[1e999]", "a number out of range"),
        ("[tru]", "unexpected character"),
        ("[nul1]", "unexpected character"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}b\"", "a control character in a string must be escaped"),
        ("\"\\x\"", "an invalid escape in a string"),
        ("\"\\u12G4\"", "an invalid \\u escape"),
        ("\"\\ud83d\"", "an unpaired UTF-16 surrogate in a string"),
        ("\"\\ude00\"", "an unpaired UTF-16 surrogate in a string"),
        ("{} {}", "unexpected data after the JSON value"),
        ("{\"a\" 1}", "expected ':' after an object key"),
        ("[1 2]", "expected ',' or ']' in an array"),
        ("// comment\n{}", "unexpected character"),
    ])
    func refusesWhatRFC8259Refuses(input: String, message: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(input) }
        do {
            _ = try JSONParser.parse(input)
        } catch {
            #expect(error.message == message, "\(input.debugDescription)")
        }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = Array("[\"a".utf8) + [0xC3, 0x28] + Array("\"]".utf8)
        #expect(throws: JSONParser.Error(message: "invalid UTF-8 in a string", offset: 2)) { try JSONParser.parse(bytes) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try JSONParser.parse(fine).array?.count == 1)
    }

    @Test func reportsWhereTheErrorIs() {
        #expect(throws: JSONParser.Error(message: "unexpected character", offset: 10)) {
            try JSONParser.parse(#"{"a": [1, x]}"#)
        }
    }

    /// The same documents through this parser and Foundation's agree: accepted or refused alike, and
    /// equal when accepted. The one known difference: Foundation accepts a trailing comma (`[1,]`), which
    /// RFC 8259 does not.
    @Test func agreesWithFoundation() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let document = RandomJSON.document(using: &generator)
            let bytes = Array(document.utf8)
            let ours = try? JSONParser.parse(bytes)
            let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            let trailingComma = document.contains(",]") || document.contains(",}")
            #expect((ours == nil) == (theirs == nil) || (ours == nil && trailingComma), "\(document)")
            if let ours, let theirs { #expect(RandomJSON.same(ours, theirs), "\(document)") }
        }
    }
}

/// A small deterministic generator, so that a failure can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON-ish documents: mostly valid, some with a defect spliced in.
enum RandomJSON {
    static let pieces = ["0", "-0", "12", "-3.5", "1e3", "2E-2", "true", "false", "null", "\"\"", "\"a b\"",
                         "\"\\n\\t\\\"\"", "\"\\u00e9\"", "\"é中😀\"", "\"\\ud83d\\ude00\""]
    static let defects = ["01", "1.", ".5", "+1", "[,]", "{,}", "\"\\q\"", "tru", "[1,]", "{\"a\"}", "'x'", "NaN"]

    static func document(using generator: inout some RandomNumberGenerator) -> String {
        var text = value(depth: 0, using: &generator)
        if Int.random(in: 0..<10, using: &generator) == 0, let defect = defects.randomElement(using: &generator) {
            let cut = text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &generator))
            text.insert(contentsOf: defect, at: cut)
        }
        return text
    }

    static func value(depth: Int, using generator: inout some RandomNumberGenerator) -> String {
        switch depth > 3 ? 0 : Int.random(in: 0..<4, using: &generator) {
        case 1:
            let count = Int.random(in: 0..<4, using: &generator)
            return "[" + (0..<count).map { _ in value(depth: depth + 1, using: &generator) }.joined(separator: ", ") + "]"
        case 2:
            let count = Int.random(in: 0..<4, using: &generator)
            return "{" + (0..<count).map { index in "\"k\(index)\": " + value(depth: depth + 1, using: &generator) }
                .joined(separator: ",") + "}"
        default:
            return pieces.randomElement(using: &generator) ?? "null"
        }
    }

    /// Whether a `JSONValue` and a `JSONSerialization` result hold the same data.
    static func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let flag):
            guard let number = theirs as? NSNumber, String(cString: number.objCType) == "c" else { return false }
            return number.boolValue == flag
        case .number(let value):
            guard let number = theirs as? NSNumber, String(cString: number.objCType) != "c" else { return false }
            return number.doubleValue == value
        case .string(let text): return (theirs as? String) == text
        case .array(let elements):
            guard let array = theirs as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { same($0, $1) }
        case .object(let object):
            guard let dictionary = theirs as? [String: Any] else { return false }
            let keys = Set(object.map(\.key))
            return keys.count == dictionary.count && keys.allSatisfy { key in
                guard let value = object[key], let other = dictionary[key] else { return false }
                return same(value, other)
            }
        }
    }
}
