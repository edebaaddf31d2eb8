import MetricsTestKit
import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// The per-route response cache against a real upstream on 127.0.0.1.
@Suite struct ResponseCacheTests {
    /// One upstream (`primary`, keyless) on route `chat`, with `cache` as the route's cache block.
    static func yaml(_ upstream: MockUpstream, cache: String) -> String {
        EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
            .replacingOccurrences(of: "  chat:\n    targets:\n", with: "  chat:\n    cache: \(cache)\n    targets:\n")
    }

    static func request(_ prompt: String, temperature: Double? = 0, maxTokens: Int? = nil) -> ChatRequest {
        ChatRequest(messages: [.system("Be brief."), .user(prompt)], maxTokens: maxTokens, temperature: temperature)
    }

    /// Answers each request with a text naming the prompt and how many requests came before.
    static func countingUpstream(padding: Int = 0) async throws -> MockUpstream {
        try await MockUpstream { request in
            let messages = request.json["messages"] as? [[String: Any]] ?? []
            let prompt = messages.last?["content"] as? String ?? ""
            let text = "answer to \(prompt)" + String(repeating: "x", count: padding)
            return request.wantsStream ? .sse(["answer ", "to ", prompt]) : .chat(text)
        }
    }

    @Test func identicalTemperatureZeroRequestsCallTheUpstreamOnce() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }"), metrics: metrics) { engine in
            let first = try await engine.complete(Self.request("colours"), route: "chat")
            #expect(!first.cacheHit && first.trace.attempts == 1)
            let second = try await engine.complete(Self.request("colours"), route: "chat")
            #expect(second.cacheHit)
            #expect(second.text == first.text && second.text == "answer to colours")
            #expect(second.provider == "primary" && second.model == first.model)
            #expect(second.finishReason == first.finishReason && second.usage == first.usage)
            #expect(second.trace.entries.isEmpty)
            #expect(engine.hasResponseCache(route: "chat"))
        }
        #expect(upstream.requests.count == 1)
        #expect(metrics.counterTotal(label: "switchboard_cache_total", dimensions: [("route", "chat"), ("result", "hit")]) == 1)
        #expect(metrics.counterTotal(label: "switchboard_cache_total", dimensions: [("route", "chat"), ("result", "miss")]) == 1)
        #expect(metrics.counterTotal(label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "success")]) == 2)
    }

    @Test func otherTemperaturesAreNotCachedUnlessTheRouteSaysSo() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }"), metrics: metrics) { engine in
            for temperature in [0.7, 0.7, nil, nil] {
                let answer = try await engine.complete(Self.request("warm", temperature: temperature), route: "chat")
                #expect(!answer.cacheHit)
            }
        }
        #expect(upstream.requests.count == 4)
        // Requests the cache is not for are neither hits nor misses.
        #expect(metrics.counterTotal(label: "switchboard_cache_total") == 0)
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m, any_temperature: true }")) { engine in
            _ = try await engine.complete(Self.request("warm", temperature: 0.7), route: "chat")
            #expect(try await engine.complete(Self.request("warm", temperature: 0.7), route: "chat").cacheHit)
            // The temperature is part of the key.
            #expect(!(try await engine.complete(Self.request("warm", temperature: 0.8), route: "chat").cacheHit))
        }
        #expect(upstream.requests.count == 6)
    }

    @Test func differentRequestsMiss() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }")) { engine in
            let requests = [
                Self.request("one"), Self.request("two"), Self.request("one", maxTokens: 10),
                ChatRequest(messages: [.user("one")], temperature: 0),
                ChatRequest(messages: [.system("one")], temperature: 0),
                ChatRequest(messages: [.user("o"), .user("ne")], temperature: 0),
                ChatRequest(messages: [.user("one")], temperature: 0, stop: ["\n"]),
                ChatRequest(messages: [.user("one")], temperature: 0, variables: ["topic": "Swift"]),
            ]
            for request in requests {
                let answer = try await engine.complete(request, route: "chat")
                #expect(!answer.cacheHit)
            }
            // Each of them is now cached.
            for request in requests {
                let answer = try await engine.complete(request, route: "chat")
                #expect(answer.cacheHit)
            }
        }
        #expect(upstream.requests.count == 8)
    }

    @Test func expiredAnswersAreNeverServed() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        let clock = ManualClock()
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 200ms }"), clock: clock) { engine in
            _ = try await engine.complete(Self.request("soon stale"), route: "chat")
            clock.advance(by: .milliseconds(200))
            #expect(!(try await engine.complete(Self.request("soon stale"), route: "chat").cacheHit))
        }
        #expect(upstream.requests.count == 2)
    }

    @Test func oneEntryEvictsTheOlderAnswer() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m, max_entries: 1 }")) { engine in
            _ = try await engine.complete(Self.request("a"), route: "chat")
            _ = try await engine.complete(Self.request("b"), route: "chat")
            #expect(try await engine.complete(Self.request("b"), route: "chat").cacheHit)
            #expect(!(try await engine.complete(Self.request("a"), route: "chat").cacheHit))
        }
        #expect(upstream.requests.count == 3)
    }

    @Test func theByteLimitEvictsLeastRecentlyUsedAndSkipsOversizedAnswers() async throws {
        // Each entry is about 520 bytes (the upstream's whole answer, kept for replay, and the key, which
        // holds the whole request): two do not fit in 800.
        let upstream = try await Self.countingUpstream(padding: 150)
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m, max_bytes: 800 }")) { engine in
            _ = try await engine.complete(Self.request("a"), route: "chat")
            #expect(try await engine.complete(Self.request("a"), route: "chat").cacheHit)
            _ = try await engine.complete(Self.request("b"), route: "chat")
            #expect(try await engine.complete(Self.request("b"), route: "chat").cacheHit)
            #expect(!(try await engine.complete(Self.request("a"), route: "chat").cacheHit))
        }
        #expect(upstream.requests.count == 3)
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m, max_bytes: 100 }")) { engine in
            _ = try await engine.complete(Self.request("too big"), route: "chat")
            #expect(!(try await engine.complete(Self.request("too big"), route: "chat").cacheHit))
        }
        #expect(upstream.requests.count == 5)
    }

    @Test func aStreamedRequestIsServedFromAPlainAnswer() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }"), metrics: metrics) { engine in
            let plain = try await engine.complete(Self.request("stream me"), route: "chat")
            let stream = try await engine.stream(Self.request("stream me"), route: "chat")
            #expect(stream.cacheHit && stream.trace.entries.isEmpty && stream.provider == "primary")
            var chunks: [ChatChunk] = []
            for try await chunk in stream { chunks.append(chunk) }
            #expect(chunks.map(\.delta).joined() == plain.text)
            #expect(chunks.count == 1)
            #expect(chunks.last?.finishReason == plain.finishReason && chunks.last?.usage == plain.usage)
        }
        #expect(upstream.requests.count == 1)
        #expect(metrics.counterTotal(label: "switchboard_cache_total", dimensions: [("route", "chat"), ("result", "hit")]) == 1)
    }

    @Test func aStreamReadToItsEndFillsTheCache() async throws {
        let upstream = try await Self.countingUpstream()
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }")) { engine in
            let stream = try await engine.stream(Self.request("streamed"), route: "chat")
            #expect(!stream.cacheHit)
            #expect(try await stream.collectText() == "answer to streamed")
            let plain = try await engine.complete(Self.request("streamed"), route: "chat")
            #expect(plain.cacheHit && plain.text == "answer to streamed" && plain.finishReason == .stop)
            let again = try await engine.stream(Self.request("streamed"), route: "chat")
            #expect(again.cacheHit)
            #expect(try await again.collectText() == "answer to streamed")
        }
        #expect(upstream.requests.count == 1)
    }

    @Test func aBrokenStreamDoesNotFillTheCache() async throws {
        let upstream = try await MockUpstream { request in
            request.wantsStream ? .sse(["partial ", "answer"], done: false, cut: true) : .chat("whole answer")
        }
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }")) { engine in
            let stream = try await engine.stream(Self.request("cut"), route: "chat")
            await #expect(throws: SwitchboardError.self) { _ = try await stream.collectText() }
            let plain = try await engine.complete(Self.request("cut"), route: "chat")
            #expect(!plain.cacheHit && plain.text == "whole answer")
        }
        #expect(upstream.requests.count == 2)
    }

    @Test func aStreamItsReaderLeftDoesNotFillTheCache() async throws {
        let (upstream, gate) = try await MockUpstream.holding(
            .sse(["partial ", "answer"]), fromPart: 1, plain: .chat("whole answer"))
        defer { gate.open(); upstream.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(upstream, cache: "{ ttl: 10m }")) { engine in
            let (started, start) = AsyncStream<Void>.makeStream()
            let reader = Task {
                let stream = try await engine.stream(Self.request("left"), route: "chat")
                var iterator = stream.makeAsyncIterator()
                _ = try await iterator.next()
                start.yield()
                while try await iterator.next() != nil {}
            }
            for await _ in started { break }
            reader.cancel()
            // The reader learns that it left: no clean end for a stream it did not read to its end.
            if case .failure(let error as SwitchboardError) = await reader.result {
                #expect(error.kind == .cancelled)
            } else {
                Issue.record("a cancelled reader saw its stream end cleanly")
            }
            let plain = try await engine.complete(Self.request("left"), route: "chat")
            #expect(!plain.cacheHit && plain.text == "whole answer", "the part a leaving reader read was cached")
        }
    }

    @Test func offlineTemplateAnswersAreNotCached() async throws {
        let yaml = """
            version: 1
            providers:
              offline: { adapter: template, options: { templates: { text: "offline: {{prompt}}" } } }
            routes:
              chat:
                cache: { ttl: 10m }
                targets: [{ provider: offline, priority: 1 }]
            """
        try await EngineHarness.withEngine(yaml) { engine in
            _ = try await engine.complete(Self.request("x"), route: "chat")
            #expect(!(try await engine.complete(Self.request("x"), route: "chat").cacheHit))
        }
    }
}
