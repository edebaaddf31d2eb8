import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// Streaming: SSE relayed chunk by chunk, failover before the first chunk, an explicit error after it.
@Suite struct StreamingTests {
    @Test func chunksArriveInOrderWithTheirFinishReason() async throws {
        let upstream = try await MockUpstream { _ in .sse(["Hel", "lo", " world"], delay: .milliseconds(5)) }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(stream.provider == "primary")
            var deltas: [String] = []
            var finish: FinishReason?
            var iterator = stream.makeAsyncIterator()
            while let chunk = try await iterator.next() {
                if !chunk.delta.isEmpty { deltas.append(chunk.delta) }
                if let reason = chunk.finishReason { finish = reason }
            }
            #expect(deltas == ["Hel", "lo", " world"])
            #expect(finish == .stop)
        }
        let sent = try #require(upstream.requests.first)
        #expect(sent.json["stream"] as? Bool == true)
        #expect((sent.json["stream_options"] as? [String: Bool])?["include_usage"] == true)
    }

    @Test func aHundredStreamsToOneProviderAreAllOpenAtOnce() async throws {
        // Each stream holds its upstream connection until its answer ends: a per-host connection cap
        // (AsyncHTTPClient's, 64 here once) would hold every stream past it back until others finish.
        let (upstream, gate) = try await MockUpstream.holding(.sse(["Hel", "lo"]), fromPart: 1)
        defer { gate.open(); upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        let streams = 100
        try await EngineHarness.withEngine(yaml) { engine in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<streams {
                    group.addTask {
                        try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat").collectText()
                    }
                }
                #expect(await gate.waitForHeld(streams) == streams)
                gate.open()
                var texts: [String] = []
                for try await text in group { texts.append(text) }
                #expect(texts == Array(repeating: "Hello", count: streams))
            }
        }
        #expect(upstream.requests.count == streams)
    }

    @Test func failsOverUntilTheFirstChunk() async throws {
        let limited = try await MockUpstream { _ in .status(429) }
        let silent = try await MockUpstream { _ in
            // Headers arrive at once, the first token never does: a first-token timeout.
            var reply = MockUpstream.Reply.sse(["late"], delay: .seconds(10))
            reply.headDelay = .zero
            return reply
        }
        let healthy = try await MockUpstream { _ in .sse(["from", " third"]) }
        defer { limited.syncShutdown(); silent.syncShutdown(); healthy.syncShutdown() }
        let yaml = EngineHarness.chain(
            [("limited", limited.url("/v1"), ["K1"]), ("silent", silent.url("/v1"), []), ("healthy", healthy.url("/v1"), [])],
            // The attempt timeout is what ends the silent attempt; it is long enough for the 429 to arrive
            // in time on a machine loaded by the whole suite (at 1 s it once did not).
            withTemplate: false, policy: "{ deadline: 20s, attempt_timeout: 3s }")
        try await EngineHarness.withEngine(yaml, environment: ["K1": "limited-key"]) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(stream.provider == "healthy")
            #expect(stream.trace.entries.map(\.outcome) == [
                .failure(errorClass: "rate_limited", status: 429), .failure(errorClass: "timeout", status: nil), .success,
            ])
            #expect(try await stream.collectText() == "from third")
        }
    }

    @Test func aFailureAfterTheFirstChunkEndsTheStreamWithAnError() async throws {
        // The cut comes a moment after the last event: with the FIN right behind it, the last event was
        // seen lost once under a loaded full run (not reproduced since; the error came as it should).
        // This test is about what follows a start, so the events get to arrive first.
        let upstream = try await MockUpstream { _ in
            .sseRaw([(.zero, MockUpstream.Reply.sseEvent("partial")), (.zero, MockUpstream.Reply.sseEvent(" answer")),
                     (.milliseconds(50), "")], cut: true)
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])])
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            let (received, error) = await Self.readUntilBroken(stream)
            #expect(received == "partial answer")
            #expect(error?.kind == .streamInterrupted)
        }
    }

    @Test func theEventsOfOneReadAreMarkedToLeaveTogether() async throws {
        // One write upstream: three events in one read. A relay writes them together, so all but the last
        // say another follows; the next read starts afresh.
        let event = MockUpstream.Reply.sseEvent
        let upstream = try await MockUpstream { _ in
            .sseRaw([(.zero, event("a", nil) + event("b", nil) + event("c", nil)),
                     (.milliseconds(30), event("d", nil) + event(nil, "stop") + "data: [DONE]\n\n")])
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            var marks: [String] = []
            var iterator = stream.makeAsyncIterator()
            while let chunk = try await iterator.next() {
                marks.append((chunk.finishReason == nil ? chunk.delta : "stop") + (chunk.moreFollows ? "+" : ""))
            }
            #expect(marks == ["a+", "b+", "c", "d+", "stop"])
        }
    }

    @Test func eventsBeforeABrokenOneInTheSameReadStillArrive() async throws {
        let event = MockUpstream.Reply.sseEvent
        let upstream = try await MockUpstream { _ in
            .sseRaw([(.zero, event("first", nil) + event(" second", nil) + "data: {\"not\": \"a chunk\"}\n\n")])
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            let (received, error) = await Self.readUntilBroken(stream)
            #expect(received == "first second")
            #expect(error?.kind == .streamInterrupted)
            #expect(error?.message.contains("not a chat.completion.chunk") == true)
        }
    }

    @Test func aStreamEndingWithoutDoneIsNotACleanFinish() async throws {
        let upstream = try await MockUpstream { _ in .sse(["no", " done"], done: false) }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            let error = await #expect(throws: SwitchboardError.self) { _ = try await stream.collectText() }
            #expect(error?.kind == .streamInterrupted)
        }
    }

    @Test func templateAndTaskAPIAnswersStreamToo() async throws {
        let yaml = EngineHarness.chain([])
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("hi")]), route: "chat")
            #expect(stream.provider == "offline")
            #expect(try await stream.collectText() == "offline: hi")
        }
    }

    /// The text a stream gives before it breaks, and the error it breaks with (nil when it ends cleanly).
    private static func readUntilBroken(_ stream: ChatStream) async -> (text: String, error: SwitchboardError?) {
        var text = ""
        var iterator = stream.makeAsyncIterator()
        do {
            while let chunk = try await iterator.next() { text += chunk.delta }
        } catch {
            return (text, error)
        }
        return (text, nil)
    }
}
