import Foundation
import MetricsTestKit
import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// A caller that goes away stops the failover chain at once: no further target is called, the attempt
/// it interrupted is not held against its key, and nothing waits out a backoff.
@Suite struct CancellationTests {
    @Test func aCancelledCallerStopsTheChainAtOnce() async throws {
        let gate = MockUpstream.MockGate()
        let slow = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("too late")
            reply.gate = gate
            return reply
        }
        let next = try await MockUpstream { _ in .chat("from the next target") }
        let metrics = TestMetrics()
        let yaml = EngineHarness.chain([("slow", slow.url("/v1"), ["K1"]), ("next", next.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["K1": "slow-key-value"], metrics: metrics) { engine in
            let call = Task { try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
            #expect(await gate.waitForHeld(1) == 1)
            call.cancel()
            let result = await call.result
            guard case .failure(let error as SwitchboardError) = result else {
                Issue.record("expected a cancellation, got \(result)")
                return
            }
            #expect(error.kind == .cancelled)
            #expect(error.trace.entries.map(\.outcome) == [.failure(errorClass: "cancelled", status: nil)])
            // The interrupted attempt is not the key's fault.
            let key = try #require(engine.status().first?.targets.first?.keys.first)
            #expect(key.state == .ready)
            gate.open()
        }
        #expect(next.requests.isEmpty, "no further target is called for a caller that is gone")
        #expect(metrics.counterTotal(
            label: "switchboard_requests_total", dimensions: [("route", "chat"), ("outcome", "cancelled")]) == 1)
        #expect(metrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 0)
        try await slow.shutdown()
        try await next.shutdown()
    }

    /// A retry's backoff ends with the caller: cancellation is not swallowed by the sleep.
    @Test func aCancelledCallerDoesNotWaitOutABackoff() async throws {
        let failing = try await MockUpstream { _ in .status(500) }
        let rules = """
              - { class: flaky, match: { status: 500 }, action: retry, retries: 5 }
            """
        let yaml = EngineHarness.chain(
            [("failing", failing.url("/v1"), [])], withTemplate: false,
            policy: "{ deadline: 60s, attempt_timeout: 10s, max_attempts: 20, backoff: { initial: 30s, max: 30s } }",
            rules: rules)
        try await EngineHarness.withEngine(yaml) { engine in
            let started = ContinuousClock.now
            let call = Task { try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
            // The first attempt has failed once the upstream has seen it; the 30 s backoff then runs.
            while failing.requests.isEmpty { await Task.yield() }
            call.cancel()
            let result = await call.result
            guard case .failure(let error as SwitchboardError) = result else {
                Issue.record("expected a cancellation, got \(result)")
                return
            }
            #expect(error.kind == .cancelled)
            #expect(started.duration(to: .now) < .seconds(20), "the 30 s backoff did not run out")
        }
        #expect(failing.requests.count == 1)
        try await failing.shutdown()
    }
}
