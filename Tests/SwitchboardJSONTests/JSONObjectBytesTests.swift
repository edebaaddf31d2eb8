import SwitchboardJSON
import Testing

/// Members copied byte for byte, edits in place, additions at the end.
@Suite struct JSONObjectBytesTests {
    static let body = #"{ "model" : "route", "seed": 9007199254740993, "t":1.50e0, "s":"caf\u00e9\/", "n": [1, {"a": 2}] }"#

    @Test func rangesPointAtEachMember() throws {
        let object = try JSONObjectBytes(Array(Self.body.utf8))
        #expect(object.object.map(\.key) == ["model", "seed", "t", "s", "n"])
        #expect(object.valueBytes("seed").map { String(decoding: $0, as: UTF8.self) } == "9007199254740993")
        #expect(object.valueBytes("s").map { String(decoding: $0, as: UTF8.self) } == #""caf\u00e9\/""#)
        #expect(object.valueBytes("n").map { String(decoding: $0, as: UTF8.self) } == #"[1, {"a": 2}]"#)
        #expect(object.valueBytes("missing") == nil)
    }

    @Test func untouchedMembersKeepTheirExactBytes() throws {
        let object = try JSONObjectBytes(Array(Self.body.utf8))
        let written = object.writing(
            ["model": .set(.string("gpt-4o")), "t": .remove, "stream": .set(.bool(false))], order: ["stream"])
        #expect(String(decoding: written, as: UTF8.self)
                == #"{"model":"gpt-4o","seed": 9007199254740993,"s":"caf\u00e9\/","n": [1, {"a": 2}],"stream":false}"#)
        #expect(object.writing([:]) == Array(#"{"model" : "route","seed": 9007199254740993,"t":1.50e0,"s":"caf\u00e9\/","n": [1, {"a": 2}]}"#.utf8))
    }

    @Test(arguments: [
        (#"{"a":1,"usage":null,"b":2}"#, #"{"a":1,"b":2}"#),
        (#"{"a":1, "usage" : {"x": 1}}"#, #"{"a":1}"#),
        (#"{ "usage":null, "b":2}"#, #"{ "b":2}"#),
        (#"{"usage":null}"#, #"{}"#),
    ])
    func aMemberIsCutWithItsSeparator(input: String, expected: String) throws {
        let object = try JSONObjectBytes(Array(input.utf8))
        let cut = try #require(object.memberWithSeparator("usage"))
        let bytes = object.bytes[..<cut.lowerBound] + object.bytes[cut.upperBound...]
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(object.memberWithSeparator("missing") == nil)
    }

    @Test func onlyObjectsAreAccepted() {
        #expect(throws: JSONParser.Error.self) { try JSONObjectBytes(Array("[1]".utf8)) }
        #expect(throws: JSONParser.Error.self) { try JSONObjectBytes(Array(#"{"a":1,}"#.utf8)) }
        #expect(throws: JSONParser.Error.self) { try JSONObjectBytes([]) }
    }
}
