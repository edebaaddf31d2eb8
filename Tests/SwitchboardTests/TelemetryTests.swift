import MetricsTestKit
import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// The engine's metrics tell the story: requests by outcome, attempts by key and class, failovers, key state.
@Suite struct TelemetryTests {
    @Test func metricsRecordRequestsAttemptsFailoversAndKeyState() async throws {
        let limited = try await MockUpstream { _ in .status(429, headers: [("retry-after", "60")]) }
        let healthy = try await MockUpstream { _ in .chat("ok") }
        defer { limited.syncShutdown(); healthy.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = EngineHarness.chain(
            [("limited", limited.url("/v1"), ["K1"]), ("healthy", healthy.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["K1": "limited-key"], metrics: metrics) { engine in
            for _ in 0..<3 { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        }
        #expect(metrics.counterTotal(label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "success")]) == 3)
        #expect(metrics.counterTotal(
            label: "switchboard_attempts_total",
            dimensions: [("provider", "limited"), ("model", "model-limited"), ("key", "limited-keys#1"), ("class", "rate_limited")]) == 1)
        #expect(metrics.counterTotal(
            label: "switchboard_attempts_total",
            dimensions: [("provider", "healthy"), ("model", "model-healthy"), ("key", ""), ("class", "success")]) == 3)
        // Only the first request failed over: the next two skipped the cooling key without a call, so
        // they were answered by the first target they could use.
        #expect(metrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 1)
        let cooling = try metrics.expectGauge(
            "switchboard_keys", [("pool", "limited-keys"), ("provider", "limited"), ("model", "model-limited"), ("state", "cooling")])
        #expect(cooling.lastValue == 1)
        #expect(try metrics.expectTimer("switchboard_attempt_duration_seconds", [("provider", "healthy"), ("model", "model-healthy")]).values.count == 3)
    }

    /// Failover frequency counts requests not answered by the first target they called: a request that
    /// failed, and a stream that broke after it started, each count once; one answered by its first
    /// target does not.
    @Test func unansweredRequestsAndBrokenStreamsCountAsOneFailoverEach() async throws {
        let failing = try await MockUpstream { _ in .status(500) }
        let breaking = try await MockUpstream { _ in
            .sseRaw([(.zero, MockUpstream.Reply.sseEvent("partial")), (.milliseconds(50), "")], cut: true)
        }
        defer { failing.syncShutdown(); breaking.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = EngineHarness.chain([("failing", failing.url("/v1"), [])], withTemplate: false)
        _ = try await EngineHarness.withEngine(yaml, metrics: metrics) { engine in
            await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
        }
        #expect(metrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 1)

        let streamMetrics = TestMetrics()
        let streamYAML = EngineHarness.chain([("breaking", breaking.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(streamYAML, metrics: streamMetrics) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(streamMetrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 0)
            await #expect(throws: SwitchboardError.self) { _ = try await stream.collectText() }
        }
        #expect(streamMetrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 1)
    }

    /// A stream the upstream cut after it started is not an answered request: it is counted when it
    /// breaks, as `streamInterrupted`, and its attempt by the class of the failure, never as a success.
    @Test func aCutStreamCountsAsInterruptedNotAsASuccess() async throws {
        let breaking = try await MockUpstream { _ in
            .sseRaw([(.zero, MockUpstream.Reply.sseEvent("one")), (.zero, MockUpstream.Reply.sseEvent("two")),
                     (.milliseconds(20), "")], cut: true)
        }
        defer { breaking.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = EngineHarness.chain([("breaking", breaking.url("/v1"), [])], withTemplate: false)
        let error = try await EngineHarness.withEngine(yaml, metrics: metrics) { engine -> SwitchboardError? in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            // Opened, not yet answered: nothing is counted as a success.
            #expect(metrics.counterTotal(label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "success")]) == 0)
            do {
                _ = try await stream.collectText()
                return nil
            } catch let error as SwitchboardError {
                return error
            }
        }
        let interrupted = try #require(error)
        #expect(interrupted.kind == .streamInterrupted)
        #expect(metrics.counterTotal(label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "success")]) == 0)
        #expect(metrics.counterTotal(
            label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "streamInterrupted")]) == 1)
        let attempts = [("provider", "breaking"), ("model", "model-breaking"), ("key", "")]
        #expect(metrics.counterTotal(label: "switchboard_attempts_total", dimensions: attempts + [("class", "success")]) == 0)
        #expect(metrics.counterTotal(label: "switchboard_attempts_total", dimensions: attempts + [("class", "connection_error")]) == 1)
        // The trace inside the error says how the attempt ended, not "ok".
        let last = try #require(interrupted.trace.entries.last)
        #expect(last.outcome == AttemptTrace.Entry.Outcome.failure(errorClass: "connection_error", status: nil))
        #expect(!interrupted.trace.description.contains("ok ("))
    }

    /// A stream read to its end counts as one success with its attempt, once.
    @Test func aFinishedStreamCountsOnceAtItsEnd() async throws {
        let upstream = try await MockUpstream { _ in .chat("hello there") }
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = EngineHarness.chain([("up", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, metrics: metrics) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(try await stream.collectText() == "hello there")
        }
        #expect(metrics.counterTotal(label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "success")]) == 1)
        #expect(metrics.counterTotal(
            label: "switchboard_attempts_total",
            dimensions: [("provider", "up"), ("model", "model-up"), ("key", ""), ("class", "success")]) == 1)
    }

    /// An answer without reported usage from a priced target is cost unknown, never free; an offline
    /// template answer costs nothing and is not unknown.
    @Test func answersWithoutUsageAreCostUnknown() async throws {
        let upstream = try await MockUpstream { _ in
            .json(#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"no usage"},"finish_reason":"stop"}]}"#)
        }
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = """
            version: 1
            providers:
              up: { adapter: openai-chat, base_url: \(upstream.url("/v1")), price: { input_per_million: 1, output_per_million: 2 } }
              offline: { adapter: template, options: { templates: { text: "offline" } } }
            routes:
              chat: [{ provider: up, model: m, priority: 1 }]
              fallback: [{ provider: offline, priority: 1 }]
            """
        let (answer, offline) = try await EngineHarness.withEngine(yaml, metrics: metrics) { engine in
            (try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat"),
             try await engine.complete(ChatRequest(messages: [.user("x")]), route: "fallback"))
        }
        #expect(answer.cost == nil && answer.price?.inputPerMillion == 1)
        #expect(offline.cost == 0)
        #expect(metrics.counterTotal(
            label: "switchboard_cost_unknown_total", dimensions: [("route", "chat"), ("provider", "up"), ("model", "m")]) == 1)
        #expect(metrics.counterTotal(
            label: "switchboard_cost_unknown_total", dimensions: [("route", "fallback"), ("provider", "offline"), ("model", "")]) == 0)
    }

    /// Cooldowns are per target, so the key gauge is too: a key cooling for one model is healthy for the
    /// other target that shares its pool.
    @Test func theKeyGaugeIsPerTarget() async throws {
        let upstream = try await MockUpstream { request in
            request.json["model"] as? String == "limited" ? .status(429, headers: [("retry-after", "60")]) : .chat("ok")
        }
        defer { upstream.syncShutdown() }
        let metrics = TestMetrics()
        let yaml = """
            version: 1
            key_pools: { shared: [K1] }
            providers:
              up: { adapter: openai-chat, base_url: \(upstream.url("/v1")), key_pool: shared }
            routes:
              chat:
                targets:
                  - { provider: up, model: limited, priority: 1 }
                  - { provider: up, model: open, priority: 2 }
            """
        try await EngineHarness.withEngine(yaml, environment: ["K1": "key-one"], metrics: metrics) { engine in
            for _ in 0..<2 { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        }
        func gauge(_ model: String, _ state: String) throws -> Double? {
            try metrics.expectGauge("switchboard_keys", [("pool", "shared"), ("provider", "up"), ("model", model), ("state", state)])
                .lastValue
        }
        #expect(try gauge("limited", "cooling") == 1)
        #expect(try gauge("limited", "healthy") == 0)
        #expect(try gauge("open", "cooling") == 0)
        #expect(try gauge("open", "healthy") == 1)
    }
}
