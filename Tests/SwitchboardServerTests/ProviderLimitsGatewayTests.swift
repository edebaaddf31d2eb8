import Foundation
import Switchboard
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Issue 7 §3 through the live gateway: a provider's `limits:` hold requests in flight to its bound,
/// queue a bounded number, and send the rest down the chain; with nothing left to try, 429 with
/// `Retry-After`. The primary upstream holds its answers at a gate, and the tests synchronise on the
/// gate and on the gateway's own gauges, not on sleeps.
@Suite(.serialized) struct ProviderLimitsGatewayTests {
    /// Provider `a` (limited) on `primary`, then `b` on `fallback` when given.
    static func yaml(primary: MockUpstream, fallback: MockUpstream?, limits: String, deadline: String = "60s") -> String {
        var yaml = """
            version: 1
            providers:
              a:
                adapter: openai-chat
                base_url: \(primary.url("/v1"))
                limits: \(limits)

            """
        if let fallback { yaml += "  b: { adapter: openai-chat, base_url: \(fallback.url("/v1")) }\n" }
        yaml += """
            policy: { deadline: \(deadline), attempt_timeout: 50s, max_attempts: 4 }
            routes:
              chat:
                - { provider: a, model: model-a, priority: 1 }

            """
        if fallback != nil { yaml += "    - { provider: b, model: model-b, priority: 2 }\n" }
        return yaml
    }

    /// A gauge or counter of `/metrics`, e.g. `switchboard_waiting{provider="a"}`.
    static func metric(_ gateway: LiveGateway, _ series: String) async throws -> Double? {
        let text = try await gateway.send(.GET, "/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Polls `/metrics` until `series` reads `value` (up to 10 s).
    static func waitForMetric(_ gateway: LiveGateway, _ series: String, _ value: Double) async throws {
        let end = ContinuousClock.now.advanced(by: .seconds(10))
        while try await metric(gateway, series) != value, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await metric(gateway, series) == value, "\(series)")
    }

    static func withUpstreams(
        _ body: @Sendable (MockUpstream, MockUpstream, MockUpstream.MockGate) async throws -> Void
    ) async throws {
        let gate = MockUpstream.MockGate()
        let primary = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("from a")
            reply.gate = gate
            return reply
        }
        let fallback = try await MockUpstream { _ in .chat("from b") }
        do {
            try await body(primary, fallback, gate)
        } catch {
            gate.open()
            try? await primary.shutdown()
            try? await fallback.shutdown()
            throw error
        }
        gate.open()
        try await primary.shutdown()
        try await fallback.shutdown()
    }

    @Test func twoRunOneWaitsAndIsServedTheFourthFailsOver() async throws {
        try await Self.withUpstreams { primary, fallback, gate in
            let yaml = Self.yaml(primary: primary, fallback: fallback, limits: "{ max_in_flight: 2, queue_size: 1, max_wait: 30s }")
            try await LiveGateway.run(yaml, logger: LogStore().logger()) { gateway in
                let first = Task { try await gateway.chat(stream: false, timeout: .seconds(40)) }
                let second = Task { try await gateway.chat(stream: false, timeout: .seconds(40)) }
                #expect(await gate.waitForHeld(2) == 2)
                let third = Task { try await gateway.chat(stream: false, timeout: .seconds(40)) }
                try await Self.waitForMetric(gateway, #"switchboard_waiting{provider="a"}"#, 1)

                // The fourth finds both slots taken and the queue full: the fallback answers at once.
                let fourth = try await gateway.chat(stream: false)
                #expect(fourth.status == 200)
                #expect(fourth.content == "from b")
                #expect(fourth.header("x-switchboard-attempts") == "1")
                #expect(try await Self.metric(gateway, #"switchboard_limited_total{provider="a",reason="queue_full"}"#) == 1)

                gate.open()
                for task in [first, second, third] {
                    let reply = try await task.value
                    #expect(reply.status == 200)
                    #expect(reply.content == "from a")
                }
                #expect(primary.requests.count == 3)
                #expect(fallback.requests.count == 1)
                try await Self.waitForMetric(gateway, #"switchboard_in_flight{provider="a"}"#, 0)
                try await Self.waitForMetric(gateway, #"switchboard_waiting{provider="a"}"#, 0)
            }
        }
    }

    /// A gateway for `limits` on provider `a` whose one slot is taken by a request held at the gate while
    /// `body` runs; afterwards the gate opens and the held request must have been answered by `a`.
    static func withOneHeld(
        limits: String, fallback withFallback: Bool = true, deadline: String = "60s",
        _ body: @escaping @Sendable (LiveGateway, MockUpstream) async throws -> Void
    ) async throws {
        try await withUpstreams { primary, fallback, gate in
            let yaml = Self.yaml(primary: primary, fallback: withFallback ? fallback : nil, limits: limits, deadline: deadline)
            try await LiveGateway.run(yaml, logger: LogStore().logger()) { gateway in
                let held = Task { try await gateway.chat(stream: false, timeout: .seconds(40)) }
                #expect(await gate.waitForHeld(1) == 1)
                try await body(gateway, primary)
                gate.open()
                #expect(try await held.value.content == "from a")
            }
        }
    }

    @Test func withNoFallbackTheClientGets429WithRetryAfter() async throws {
        try await Self.withOneHeld(limits: "{ max_in_flight: 1 }", fallback: false) { gateway, primary in
            for stream in [false, true] {
                let refused = try await gateway.chat(stream: stream)
                #expect(refused.status == 429)
                #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
                #expect(refused.error?["code"] as? String == "gateway_overloaded")
                #expect(refused.error?["type"] as? String == "rate_limit_error")
                #expect(refused.trace.count == 1)
                #expect(refused.trace.first?.contains("limited (queue_full)") == true)
            }
            #expect(primary.requests.count == 1)
        }
    }

    @Test func aWaiterWhoseMaxWaitPassesMovesToTheNextTarget() async throws {
        try await Self.withOneHeld(limits: "{ max_in_flight: 1, queue_size: 1, max_wait: 300ms }") { gateway, _ in
            let reply = try await gateway.chat(stream: false)
            #expect(reply.status == 200)
            #expect(reply.content == "from b")
            #expect(reply.elapsed >= .milliseconds(300))
            #expect(try await Self.metric(gateway, #"switchboard_limited_total{provider="a",reason="queue_timeout"}"#) == 1)
        }
    }

    @Test func aDeadlineShorterThanMaxWaitSkipsTheTargetAtOnce() async throws {
        try await Self.withOneHeld(limits: "{ max_in_flight: 1, queue_size: 4, max_wait: 30s }", deadline: "20s") {
            gateway, _ in
            let reply = try await gateway.chat(stream: false)
            #expect(reply.status == 200)
            #expect(reply.content == "from b")
            #expect(reply.elapsed < .seconds(10))
            #expect(try await Self.metric(gateway, #"switchboard_limited_total{provider="a",reason="queue_deadline"}"#) == 1)
            #expect(try await Self.metric(gateway, #"switchboard_waiting{provider="a"}"#) == 0)
        }
    }

    @Test func aStreamHoldsItsSlotUntilItEnds() async throws {
        // The first chunk goes out at once; the rest waits at the gate.
        let (primary, gate) = try await MockUpstream.holding(.sse(["Hel", "lo"]), fromPart: 1, plain: .chat("from a"))
        let fallback = try await MockUpstream { _ in .chat("from b") }
        defer { gate.open(); Task { try await primary.shutdown(); try await fallback.shutdown() } }
        let yaml = Self.yaml(primary: primary, fallback: fallback, limits: "{ max_in_flight: 1 }")
        try await LiveGateway.run(yaml, logger: LogStore().logger()) { gateway in
            let stream = Task { try await gateway.chat(stream: true, timeout: .seconds(40)) }
            #expect(await gate.waitForHeld(1) == 1)
            let during = try await gateway.chat(stream: false)
            #expect(during.content == "from b")
            gate.open()
            let streamed = try await stream.value
            #expect(streamed.streamedText == "Hello")
            #expect(streamed.endsWithDone)
            try await Self.waitForMetric(gateway, #"switchboard_in_flight{provider="a"}"#, 0)
            let after = try await gateway.chat(stream: false)
            #expect(after.content == "from a")
        }
    }
}
