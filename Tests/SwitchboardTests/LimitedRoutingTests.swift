import SwitchboardConfig
import SwitchboardTestSupport
import Testing

@testable import Switchboard

/// Provider limits inside the engine: which key a limited request takes, what a skip leaves behind, and
/// what a reload keeps.
@Suite(.serialized) struct LimitedRoutingTests {
    private static func yaml(primary: MockUpstream, limits: String, withTemplate: Bool = true) -> String {
        """
        version: 1
        key_pools:
          a-keys: { env: [KEY_1, KEY_2], rotation: ordered }
        providers:
          a:
            adapter: openai-chat
            base_url: \(primary.url("/v1"))
            key_pool: a-keys
            limits: \(limits)
          offline: { adapter: template, options: { templates: { text: "offline" } } }
        policy: { deadline: 30s, attempt_timeout: 20s }
        routes:
          chat:
            - { provider: a, model: m, priority: 1 }
        \(withTemplate ? "    - { provider: offline, priority: 2 }" : "")
        """
    }

    private static let environment = ["KEY_1": "first-key-value", "KEY_2": "second-key-value"]
    private static let request = ChatRequest(messages: [.user("hi")])

    private static func gatedUpstream() async throws -> (MockUpstream, MockUpstream.MockGate) {
        let gate = MockUpstream.MockGate()
        let upstream = try await MockUpstream { request in
            var reply = MockUpstream.Reply.chat("from a")
            if request.json["messages"].map({ "\($0)" })?.contains("hold") == true { reply.gate = gate }
            return reply
        }
        return (upstream, gate)
    }

    @Test func aBusyKeyIsPassedOverForTheOtherKey() async throws {
        let (upstream, gate) = try await Self.gatedUpstream()
        defer { gate.open(); Task { try await upstream.shutdown() } }
        let yaml = Self.yaml(primary: upstream, limits: "{ max_in_flight_per_key: 1 }")
        try await EngineHarness.withEngine(yaml, environment: Self.environment) { engine in
            // The pool is ordered: every request starts at key 1, so the second can only get key 2 by the
            // limiter passing over the busy key. With both keys busy, a third request is skipped.
            let held = Task { try await engine.complete(ChatRequest(messages: [.user("hold")]), route: "chat") }
            #expect(await gate.waitForHeld(1) == 1)
            let second = Task { try await engine.complete(ChatRequest(messages: [.user("hold")]), route: "chat") }
            #expect(await gate.waitForHeld(2) == 2)
            let keys = Set(upstream.requests.compactMap(\.authorization))
            #expect(keys == ["Bearer first-key-value", "Bearer second-key-value"])
            let third = try await engine.complete(Self.request, route: "chat")
            #expect(third.provider == "offline")
            #expect(third.trace.entries.first?.outcome == .limited(reason: "queue_full"))
            // The template's answer is the only call: the limited target made none.
            #expect(third.trace.attempts == 1)
            gate.open()
            #expect(try await held.value.provider == "a")
            #expect(try await second.value.provider == "a")
            // A skip is not a key failure: both keys are still usable.
            #expect(engine.hasUsableTarget)
            #expect(try await engine.complete(Self.request, route: "chat").provider == "a")
        }
    }

    @Test func withNothingElseTheErrorIsOverloadedWithARetryHint() async throws {
        let (upstream, gate) = try await Self.gatedUpstream()
        defer { gate.open(); Task { try await upstream.shutdown() } }
        let yaml = Self.yaml(primary: upstream, limits: "{ max_in_flight: 1, queue_size: 0 }", withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: Self.environment) { engine in
            let held = Task { try await engine.complete(ChatRequest(messages: [.user("hold")]), route: "chat") }
            #expect(await gate.waitForHeld(1) == 1)
            do {
                _ = try await engine.complete(Self.request, route: "chat")
                Issue.record("expected an overloaded error")
            } catch let error as SwitchboardError {
                #expect(error.kind == .overloaded)
                #expect(error.retryAfter == .seconds(1))
                #expect(error.message.contains("at its concurrency limit"))
            }
            gate.open()
            _ = try await held.value
        }
    }

    @Test func aReloadKeepsCountingRequestsInFlightOnTheOldEngine() async throws {
        let (upstream, gate) = try await Self.gatedUpstream()
        defer { gate.open(); Task { try await upstream.shutdown() } }
        let configuration = try EngineHarness.configuration(Self.yaml(primary: upstream, limits: "{ max_in_flight: 1 }"))
        let old = try Switchboard(
            configuration: configuration, environment: Self.environment, logger: EngineHarness.quietLogger)
        let held = Task { try await old.complete(ChatRequest(messages: [.user("hold")]), route: "chat") }
        #expect(await gate.waitForHeld(1) == 1)
        let new = try Switchboard(
            configuration: configuration, environment: Self.environment, logger: EngineHarness.quietLogger,
            replacing: old)
        // The old engine's request still holds the provider's only slot.
        let during = try await new.complete(Self.request, route: "chat")
        #expect(during.provider == "offline")
        gate.open()
        #expect(try await held.value.provider == "a")
        #expect(try await new.complete(Self.request, route: "chat").provider == "a")
        try await old.shutdown()
        try await new.shutdown()
    }
}
