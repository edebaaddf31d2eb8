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
        defer { Task { try await limited.shutdown(); try await healthy.shutdown() } }
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
        let cooling = try metrics.expectGauge("switchboard_keys", [("pool", "limited-keys"), ("state", "cooling")])
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
        defer { Task { try await failing.shutdown(); try await breaking.shutdown() } }
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
}
