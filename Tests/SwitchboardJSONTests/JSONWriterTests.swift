import Foundation
import SwitchboardJSON
import Testing

struct JSONWriterTests {
    @Test func writesCompactJSONWithCommasInPlace() {
        var json = JSONWriter()
        json.object { json in
            json.member("id", "chatcmpl-1")
            json.member("created", 1_700_000_000)
            json.member("temperature", 0.7)
            json.member("whole", 2.0)
            json.member("stream", false)
            json.member("absent", ifPresent: nil as String?)
            json.member("finish_reason", orNull: nil)
            json.key("choices")
            json.array { json in
                json.object { json in json.member("index", 0) }
                json.object { json in json.member("index", -1) }
            }
            json.key("empty")
            json.array { _ in }
        }
        #expect(String(decoding: json.bytes, as: UTF8.self) == #"""
            {"id":"chatcmpl-1","created":1700000000,"temperature":0.7,"whole":2,"stream":false,"finish_reason":null,"choices":[{"index":0},{"index":-1}],"empty":[]}
            """#)
    }

    @Test func escapesWhatJSONRequires() {
        var json = JSONWriter()
        json.string("q\" b\\ n\n r\r t\t \u{1} \u{1f} / é 😀")
        #expect(String(decoding: json.bytes, as: UTF8.self) == #""q\" b\\ n\n r\r t\t \u0001 \u001f / é 😀""#)
    }

    @Test func writesNonFiniteNumbersAsNull() {
        var json = JSONWriter()
        json.array { json in
            json.number(Double.nan)
            json.number(-Double.infinity)
            json.number(1e300)
            json.number(Int.min)
        }
        #expect(String(decoding: json.bytes, as: UTF8.self) == "[null,null,1e+300,-9223372036854775808]")
    }

    /// Whatever the parser reads, the writer writes back to the same value, and Foundation reads the
    /// writer's output as the same data.
    @Test func roundTrips() throws {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<2_000 {
            guard let value = try? JSONParser.parse(RandomJSON.document(using: &generator)) else { continue }
            var json = JSONWriter()
            json.value(value)
            #expect(try JSONParser.parse(json.bytes) == value)
            let foundation = try JSONSerialization.jsonObject(with: Data(json.bytes), options: [.fragmentsAllowed])
            #expect(RandomJSON.same(value, foundation))
        }
    }
}
