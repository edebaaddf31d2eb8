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
        #expect(metrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 3)
        let cooling = try metrics.expectGauge("switchboard_keys", [("pool", "limited-keys"), ("state", "cooling")])
        #expect(cooling.lastValue == 1)
        #expect(try metrics.expectTimer("switchboard_attempt_duration_seconds", [("provider", "healthy"), ("model", "model-healthy")]).values.count == 3)
    }
}
