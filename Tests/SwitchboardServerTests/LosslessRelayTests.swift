import Foundation
import Switchboard
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// The relay to an `openai-chat` target, differentially: a corpus of real request bodies, upstream
/// answers and upstream streams (`Fixtures/lossless/`) goes through a live gateway to a mock upstream,
/// and what arrives at the far end must equal what was sent, except for the changes docs/openai-api.md
/// documents. Members the gateway does not touch are compared as raw text, so a number's spelling or a
/// string's escapes count too.
@Suite(.serialized) struct LosslessRelayTests {
    /// `chat` relays with no target parameters; `capped` has a `max_tokens` cap and a temperature default.
    static func yaml(_ upstream: MockUpstream, streamUsage: Bool = true) -> String {
        """
        version: 1
        providers:
          upstream:
            adapter: openai-chat
            base_url: \(upstream.url("/v1"))
            options: { stream_usage: \(streamUsage) }
        routes:
          chat: [{ provider: upstream, model: gpt-4o-mini, priority: 1 }]
          capped: [{ provider: upstream, model: capped-model, priority: 1, parameters: { max_tokens: 256, temperature: 0.3 } }]
        """
    }

    /// Members of a request body the gateway may change (docs/openai-api.md); every other one is copied.
    static let managed: Set<String> = [
        "model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p",
    ]

    // MARK: - Requests

    @Test func theUpstreamReceivesEveryRequestAsTheClientSentIt() async throws {
        let cases = try Corpus.cases("requests.txt")
        #expect(cases.count >= 30)
        let upstream = try await MockUpstream { request in
            request.wantsStream ? .sse(["ok"]) : .chat("ok")
        }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            for (name, body) in cases {
                let client = try RawObject(body)
                let capped = try client.replacing("model", with: #""capped""#)
                for (route, sent) in [("chat", body), ("capped", capped)] {
                    let before = upstream.requests.count
                    let reply = try await gateway.send(body: sent)
                    #expect(reply.status == 200, "\(name) via \(route): \(reply.body)")
                    guard upstream.requests.count == before + 1, let received = upstream.requests.last else {
                        Issue.record("\(name) via \(route): the upstream was not called once")
                        continue
                    }
                    try Self.checkRelayed(client, as: RawObject(received.body), capped: route == "capped", name: "\(name) via \(route)")
                }
            }
        }
        try await upstream.shutdown()
    }

    /// `received` is `client` with only the documented changes.
    private static func checkRelayed(_ client: RawObject, as received: RawObject, capped: Bool, name: String) throws {
        // Untouched members: the same raw text, in the client's order, ahead of anything added.
        let kept = client.keys.filter { !managed.contains($0) }
        let receivedKept = received.keys.filter { !managed.contains($0) }
        #expect(receivedKept == kept, "\(name): members \(receivedKept) != \(kept)")
        for key in kept {
            #expect(received[key] == client[key], "\(name): '\(key)' became \(received[key] ?? "nothing")")
        }
        let stream = client["stream"] == "true"
        #expect(received["model"] == (capped ? #""capped-model""# : #""gpt-4o-mini""#), "\(name): model")
        #expect(received["stream"] == (stream ? "true" : "false"), "\(name): stream")
        if stream {
            // The client's options, with include_usage set to true (added at the end when absent).
            let asked = try RawObject(client["stream_options"] ?? "{}")
            let sentOn = try RawObject(received["stream_options"] ?? "{}")
            let expectedKeys = asked.keys.filter { $0 != "include_usage" } + ["include_usage"]
            #expect(Set(sentOn.keys) == Set(expectedKeys), "\(name): stream_options \(sentOn.keys)")
            #expect(sentOn["include_usage"] == "true", "\(name): include_usage")
            for key in asked.keys where key != "include_usage" {
                #expect(sentOn[key] == asked[key], "\(name): stream_options.\(key)")
            }
        } else {
            #expect(received["stream_options"] == nil, "\(name): stream_options on a plain request")
        }
        #expect(received["top_p"] == client["top_p"], "\(name): top_p")
        guard capped else {
            for key in ["max_tokens", "max_completion_tokens", "temperature"] {
                #expect(received[key] == client[key], "\(name): '\(key)'")
            }
            return
        }
        // The cap lowers what the client gave, and fills `max_tokens` when it gave neither.
        let given = ["max_tokens", "max_completion_tokens"].filter { client.number($0) != nil }
        for key in given {
            let asked = try #require(client.number(key))
            if asked > 256 {
                #expect(received.number(key) == 256, "\(name): '\(key)' not lowered")
            } else {
                #expect(received[key] == client[key], "\(name): '\(key)' changed under the cap")
            }
        }
        if given.isEmpty { #expect(received.number("max_tokens") == 256, "\(name): no max_tokens cap") }
        // The target's temperature fills only a missing or null one.
        if client.number("temperature") != nil {
            #expect(received["temperature"] == client["temperature"], "\(name): temperature overridden")
        } else {
            #expect(received.number("temperature") == 0.3, "\(name): temperature not filled")
        }
    }

    @Test func withStreamUsageOffAStreamedRequestKeepsTheClientsStreamOptions() async throws {
        let upstream = try await MockUpstream { _ in .sse(["ok"]) }
        let bodies = [
            #"{"model":"chat","messages":[{"role":"user","content":"a"}],"stream":true}"#,
            #"{"model":"chat","messages":[{"role":"user","content":"b"}],"stream":true,"stream_options":{"include_usage":false,"x":1}}"#,
        ]
        try await LiveGateway.run(Self.yaml(upstream, streamUsage: false), logger: LogStore().logger()) { gateway in
            for body in bodies {
                #expect(try await gateway.send(body: body).status == 200)
                let received = try RawObject(try #require(upstream.requests.last).body)
                #expect(received["stream_options"] == (try RawObject(body))["stream_options"])
            }
        }
        try await upstream.shutdown()
    }

    // MARK: - Answers

    @Test func theClientReceivesEveryAnswerAsTheUpstreamSentIt() async throws {
        let cases = try Corpus.cases("answers.txt")
        #expect(cases.count >= 15)
        let upstream = try await MockUpstream { _ in .chat("unset") }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            for (name, answer) in cases {
                upstream.setResponder { _ in .json(answer) }
                let reply = try await gateway.send(body: #"{"model":"chat","messages":[{"role":"user","content":"hi"}]}"#)
                #expect(reply.status == 200, "\(name): \(reply.body)")
                #expect(reply.body == answer, "\(name): the answer changed on the way")
                #expect(reply.header("x-switchboard-provider") == "upstream")
            }
        }
        try await upstream.shutdown()
    }

    // MARK: - Streams

    @Test func theClientReceivesEveryStreamedEventAsTheUpstreamSentIt() async throws {
        let streams = try Corpus.streams("streams.txt")
        #expect(streams.count >= 10)
        let upstream = try await MockUpstream { _ in .chat("unset") }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            for (name, events) in streams {
                upstream.setResponder { _ in
                    .sseRaw(events.map { (.zero, "data: \($0)\n\n") } + [(.zero, "data: [DONE]\n\n")])
                }
                for asksUsage in [true, false] {
                    let options = asksUsage ? #","stream_options":{"include_usage":true}"# : ""
                    let body = #"{"model":"chat","messages":[{"role":"user","content":"hi"}],"stream":true\#(options)}"#
                    let reply = try await gateway.send(body: body)
                    #expect(reply.status == 200, "\(name): \(reply.body)")
                    let received = Corpus.dataLines(reply.body)
                    #expect(received.last == "[DONE]", "\(name): no [DONE]")
                    let relayed = Array(received.dropLast())
                    if asksUsage {
                        #expect(relayed == events, "\(name) with include_usage: events changed on the way")
                    } else {
                        // Without include_usage the client gets no usage: the member is cut from each event
                        // and a usage-only event (no choices) is not sent.
                        let expected = try events.map(RawObject.init).filter {
                            !($0["choices"] == "[]" && $0["usage"] != nil)
                        }
                        let got = try relayed.map(RawObject.init)
                        #expect(got.count == expected.count, "\(name) without include_usage: \(got.count) events")
                        for (event, wanted) in zip(got, expected) {
                            let keys = wanted.keys.filter { $0 != "usage" }
                            #expect(event.keys == keys && keys.allSatisfy { event[$0] == wanted[$0] },
                                    "\(name) without include_usage: \(event.keys)")
                        }
                        #expect(!relayed.contains { $0.contains(#""usage""#) }, "\(name): usage sent unasked")
                    }
                }
            }
        }
        try await upstream.shutdown()
    }

    /// Only `data:` events are relayed: SSE comments (`: OPENROUTER PROCESSING` keep-alives), `event:`
    /// and `id:` fields are not.
    @Test func sseCommentsAndOtherFieldsAreNotRelayed() async throws {
        let event = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}"#
        let upstream = try await MockUpstream { _ in
            .sseRaw([
                (.zero, ": OPENROUTER PROCESSING\n\n"), (.zero, "event: message\nid: 7\ndata: \(event)\n\n"),
                (.zero, ": keep-alive\n\n"), (.zero, "data: [DONE]\n\n"),
            ])
        }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let reply = try await gateway.send(
                body: #"{"model":"chat","messages":[{"role":"user","content":"hi"}],"stream":true}"#)
            #expect(reply.status == 200)
            #expect(reply.body == "data: \(event)\n\ndata: [DONE]\n\n")
        }
        try await upstream.shutdown()
    }
}

// MARK: - Fixtures

/// Reads `Fixtures/lossless/`: request and answer cases are `name<TAB>json` (continuation lines, which
/// start with a space or a bracket, belong to the case above); a stream is `## name` then one event per line.
private enum Corpus {
    static func text(_ file: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appending(path: "Fixtures/lossless").appending(path: file)
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func cases(_ file: String) throws -> [(name: String, body: String)] {
        var cases: [(name: String, body: String)] = []
        for line in try text(file).split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            if let tab = line.firstIndex(of: "\t"), line.first?.isLetter == true {
                cases.append((String(line[..<tab]), String(line[line.index(after: tab)...])))
            } else if !cases.isEmpty {
                cases[cases.count - 1].body += "\n" + line
            }
        }
        return cases
    }

    static func streams(_ file: String) throws -> [(name: String, events: [String])] {
        var streams: [(name: String, events: [String])] = []
        for line in try text(file).split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("## ") {
                streams.append((String(line.dropFirst(3)), []))
            } else if !line.hasPrefix("#"), !streams.isEmpty {
                streams[streams.count - 1].events.append(String(line))
            }
        }
        return streams
    }

    /// The payloads of an SSE body's `data:` lines, in order.
    static func dataLines(_ body: String) -> [String] {
        body.split(separator: "\n").compactMap { line in
            line.hasPrefix("data: ") ? String(line.dropFirst(6)) : nil
        }
    }
}

/// A JSON object's top-level members as raw text, in order, without interpreting them.
private struct RawObject {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var keys: [String] = []
    private var ranges: [String: Range<Int>] = [:]
    private let bytes: [UInt8]

    init(_ text: String) throws {
        bytes = Array(text.utf8)
        var scanner = Scanner(text: bytes)
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "{")) else { throw FormatError(description: "not an object: \(text.prefix(40))") }
        scanner.skipSpace()
        if scanner.take(UInt8(ascii: "}")) { return }
        repeat {
            scanner.skipSpace()
            let keyRange = try scanner.stringRange()
            guard let key = try JSONSerialization.jsonObject(
                with: Data(scanner.bytes[keyRange]), options: .fragmentsAllowed) as? String
            else { throw FormatError(description: "a key that is not a string") }
            scanner.skipSpace()
            guard scanner.take(UInt8(ascii: ":")) else { throw FormatError(description: "no ':' after \(key)") }
            scanner.skipSpace()
            let valueRange = try scanner.valueRange()
            keys.append(key)
            ranges[key] = valueRange
            scanner.skipSpace()
        } while scanner.take(UInt8(ascii: ","))
        guard scanner.take(UInt8(ascii: "}")) else { throw FormatError(description: "unterminated object") }
    }

    /// The member's raw text, or nil when absent.
    subscript(key: String) -> String? { ranges[key].map { String(decoding: bytes[$0], as: UTF8.self) } }

    /// The member as a number, or nil when absent, null or not a number.
    func number(_ key: String) -> Double? {
        guard let text = self[key], let first = text.first, first == "-" || first.isNumber else { return nil }
        return Double(text)
    }

    /// The text with one member's value replaced.
    func replacing(_ key: String, with value: String) throws -> String {
        guard let range = ranges[key] else { throw FormatError(description: "no member \(key)") }
        return String(decoding: bytes[..<range.lowerBound] + Array(value.utf8) + bytes[range.upperBound...], as: UTF8.self)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(text: [UInt8]) { bytes = text }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func stringRange() throws -> Range<Int> {
            let start = position
            guard take(UInt8(ascii: "\"")) else { throw FormatError(description: "expected a string at \(position)") }
            while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard take(UInt8(ascii: "\"")) else { throw FormatError(description: "unterminated string") }
            return start..<position
        }

        /// A whole value: a string, or everything up to the `,` or `}` that closes it at depth 0.
        mutating func valueRange() throws -> Range<Int> {
            let start = position
            var depth = 0
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""): _ = try stringRange(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return start..<trimmedEnd(start) }
                    depth -= 1
                case UInt8(ascii: ",") where depth == 0: return start..<trimmedEnd(start)
                default: break
                }
                position += 1
            }
            throw FormatError(description: "unterminated value")
        }

        private func trimmedEnd(_ start: Int) -> Int {
            var end = position
            while end > start, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[end - 1]) { end -= 1 }
            return end
        }
    }
}
