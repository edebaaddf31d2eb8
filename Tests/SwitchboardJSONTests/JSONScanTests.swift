import SwitchboardJSON
import Testing

struct JSONScanTests {
    /// `validate` refuses what `parse` refuses, with the same error, and accepts what it accepts.
    @Test func validatesAsTheParserParses() {
        var generator = SeededGenerator(seed: 11)
        let fixed = ["", "   ", "{", "[1,]", "{\"a\":1,}", "[01]", "[1e999]", "\"a\u{01}b\"", "\"\\x\"", "\"\\ud83d\"",
                     "{} {}", "{\"a\" 1}", "[1 2]", "[\"é\", \"\\u00e9\"]", " {\"a\": [true, null, -1.5e3]} "]
        let documents = fixed + (0..<2_000).map { _ in RandomJSON.document(using: &generator) }
        for document in documents {
            let bytes = Array(document.utf8)
            let parsed = Result { () throws(JSONParser.Error) in try JSONParser.parse(bytes) }
            let validated = Result { () throws(JSONParser.Error) in
                try bytes.withUnsafeBytes { buffer in
                    Result { () throws(JSONParser.Error) in try JSONParser.validate(buffer) }
                }.get()
            }
            switch (parsed, validated) {
            case (.success, .success): break
            case (.failure(let parseError), .failure(let validateError)):
                #expect(parseError == validateError, "\(document.debugDescription)")
            default:
                Issue.record("parse and validate disagree on \(document.debugDescription): \(parsed), \(validated)")
            }
        }
        let invalidUTF8: [UInt8] = Array("[\"a".utf8) + [0xC3, 0x28] + Array("\"]".utf8)
        #expect(throws: JSONParser.Error(message: "invalid UTF-8 in a string", offset: 2)) { try JSONScan(invalidUTF8) }
    }

    /// Every member and element a scan finds is the one the parser makes, and a member's cut is
    /// `JSONObjectBytes`'s.
    @Test func findsWhatTheParserMakes() throws {
        var generator = SeededGenerator(seed: 12)
        var objects = 0
        for _ in 0..<2_000 {
            let bytes = Array(RandomJSON.document(using: &generator).utf8)
            guard let scan = try? JSONScan(bytes), let value = try? JSONParser.parse(bytes) else { continue }
            #expect(scan.parse(scan.root) == value)
            if let object = value.object {
                objects += 1
                let whole = try JSONObjectBytes(bytes)
                for key in ["k0", "k1", "k2", "k3", "absent"] {
                    #expect(scan.value(key, of: scan.root).flatMap(scan.parse) == object[key], "\(key) in \(String(decoding: bytes, as: UTF8.self))")
                    #expect(scan.memberWithSeparator(key, of: scan.root) == whole.memberWithSeparator(key))
                }
            }
            if let array = value.array {
                var elements: [JSONValue] = []
                scan.forEachElement(of: scan.root) { elements.append(scan.parse($0) ?? .null) }
                #expect(elements == array, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(objects > 100)
    }

    @Test func readsMembersLikeTheParser() throws {
        let scan = try JSONScan(Array(#" {"a": 1, "b": {"c": [1, {"d": "}"}]}, "a": "x\"y", "\u0065": [], "f": ""} "#.utf8))
        #expect(scan.kind(of: scan.root) == .object)
        // The last of a repeated key, escaped keys, and brackets inside strings.
        #expect(scan.value("a", of: scan.root).flatMap(scan.parse) == .string("x\"y"))
        #expect(scan.value("e", of: scan.root).map(scan.kind) == .array)
        let b = try #require(scan.value("b", of: scan.root))
        #expect(scan.value("c", of: b).flatMap(scan.parse) == .array([.number(1), .object(JSONObject([.init(key: "d", value: .string("}"))]))]))
        #expect(scan.value("c", of: scan.root) == nil)
        #expect(scan.isEmptyString(try #require(scan.value("f", of: scan.root))))
        #expect(!scan.isEmptyString(try #require(scan.value("a", of: scan.root))))
        // Not an object or an array: nothing is found in it.
        let a = try #require(scan.value("a", of: scan.root))
        #expect(scan.value("x", of: a) == nil)
        var count = 0
        scan.forEachElement(of: a) { _ in count += 1 }
        scan.forEachElement(of: try #require(scan.value("e", of: scan.root))) { _ in count += 1 }
        #expect(count == 0)
    }
}
