import Foundation
import Synchronization
import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// Failover decisions over time, with an in-memory adapter and a clock the test moves: no socket, no
/// sleep, the same result on a busy machine as on an idle one.
@Suite struct ClockedFailoverTests {
    static func yaml(script: String, keys: Int, policy: String = "{ deadline: 10m, attempt_timeout: 1m }", rules: String = "",
                     cache: String? = nil) -> String {
        let variables = (1...keys).map { "CLOCKED_KEY_\($0)" }
        return """
            version: 1
            key_pools:
              p: { env: [\(variables.joined(separator: ", "))], rotation: ordered }
            providers:
              memory: { adapter: scripted, base_url: "http://127.0.0.1:9/never-called", key_pool: p, options: { script: \(script) } }
            policy: \(policy)
            routes:
              chat:
                targets: [{ provider: memory, model: m, priority: 1 }]
            \(cache.map { "    cache: \($0)" } ?? "")
            \(rules.isEmpty ? "" : "error_rules:\n\(rules)")
            """
    }

    static func environment(keys: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (1...keys).map { ("CLOCKED_KEY_\($0)", "clocked-value-\($0)") })
    }

    static let request = ChatRequest(messages: [.user("x")], temperature: 0)

    /// A key cooled by `Retry-After: 45` (longer than the rule's own 30 s) is passed over until the clock
    /// reaches the end of it, then used again.
    @Test func aRetryAfterCooldownEndsWhenTheClockSays() async throws {
        let log = CallLog()
        let limitedOnce = Mutex(true)
        let script = ScriptedAdapter.register { call throws(UpstreamFailure) in
            log.add(call)
            let first = limitedOnce.withLock { first in
                defer { first = false }
                return first
            }
            if call.key?.label == "p#1", first {
                throw UpstreamFailure(.http(status: 429), message: "HTTP 429", retryAfter: .seconds(45))
            }
            return AdapterOutput(text: "ok from \(call.key?.label ?? "-")")
        }
        let clock = ManualClock()
        try await EngineHarness.withEngine(
            Self.yaml(script: script, keys: 2), environment: Self.environment(keys: 2), registry: ScriptedAdapter.registry,
            clock: clock
        ) { engine in
            #expect(try await engine.complete(Self.request, route: "chat").text == "ok from p#2")
            clock.advance(by: .seconds(44))
            #expect(try await engine.complete(Self.request, route: "chat").text == "ok from p#2")
            let key = try #require(engine.status().first?.targets.first?.keys.first)
            guard case .cooling(_, let reason, _) = key.state else {
                Issue.record("p#1 should still cool: \(key.state)")
                return
            }
            #expect(reason == "Retry-After 45s (rate_limited)")
            clock.advance(by: .seconds(1))
            #expect(try await engine.complete(Self.request, route: "chat").text == "ok from p#1")
        }
        #expect(log.keys == ["p#1", "p#2", "p#2", "p#1"])
    }

    /// A retry waits its backoff on the engine's clock: nothing happens until the clock moves.
    @Test func aRetryWaitsItsBackoffOnTheEnginesClock() async throws {
        let log = CallLog()
        let failures = Mutex(1)
        let script = ScriptedAdapter.register { call throws(UpstreamFailure) in
            log.add(call)
            let fails = failures.withLock { left in
                defer { left -= 1 }
                return left > 0
            }
            if fails {
                throw UpstreamFailure(.http(status: 500), message: "HTTP 500")
            }
            return AdapterOutput(text: "second time lucky")
        }
        let clock = ManualClock()
        let yaml = Self.yaml(
            script: script, keys: 1,
            policy: "{ deadline: 10m, attempt_timeout: 1m, backoff: { initial: 5s, max: 5s, jitter: false } }",
            rules: "  - { class: flaky, match: { status: 500 }, action: retry, retries: 3 }")
        try await EngineHarness.withEngine(
            yaml, environment: Self.environment(keys: 1), registry: ScriptedAdapter.registry, clock: clock
        ) { engine in
            let call = Task { try await engine.complete(Self.request, route: "chat") }
            await clock.waitForSleepers(1)
            #expect(log.keys == ["p#1"], "one call, then the backoff")
            clock.advance(by: .seconds(4))
            #expect(clock.sleeping == 1, "4 s of a 5 s backoff: still waiting")
            clock.advance(by: .seconds(1))
            let answer = try await call.value
            #expect(answer.text == "second time lucky")
        }
        #expect(log.keys == ["p#1", "p#1"])
    }

    /// The response cache's expiry is read off the engine's clock.
    @Test func aCachedAnswerExpiresWhenTheClockPassesItsTTL() async throws {
        let log = CallLog()
        let script = ScriptedAdapter.register { call throws(UpstreamFailure) in
            log.add(call)
            return AdapterOutput(text: "answer \(log.keys.count)")
        }
        let clock = ManualClock()
        try await EngineHarness.withEngine(
            Self.yaml(script: script, keys: 1, cache: "{ ttl: 10m }"), environment: Self.environment(keys: 1),
            registry: ScriptedAdapter.registry, clock: clock
        ) { engine in
            #expect(try await engine.complete(Self.request, route: "chat").text == "answer 1")
            clock.advance(by: .seconds(599))
            #expect(try await engine.complete(Self.request, route: "chat").cacheHit)
            clock.advance(by: .seconds(1))
            let fresh = try await engine.complete(Self.request, route: "chat")
            #expect(!fresh.cacheHit && fresh.text == "answer 2")
        }
    }

    /// The route's deadline is counted on the engine's clock too.
    @Test func theDeadlineIsTheEnginesClock() async throws {
        let clock = ManualClock()
        let log = CallLog()
        let script = ScriptedAdapter.register { call throws(UpstreamFailure) in
            log.add(call)
            // Each attempt "takes" 40 s of the engine's time.
            clock.advance(by: .seconds(40))
            throw UpstreamFailure(.http(status: 503), message: "HTTP 503")
        }
        let error = try await EngineHarness.withEngine(
            Self.yaml(script: script, keys: 3, policy: "{ deadline: 1m, attempt_timeout: 1m }"),
            environment: Self.environment(keys: 3), registry: ScriptedAdapter.registry, clock: clock
        ) { engine -> SwitchboardError? in
            do {
                _ = try await engine.complete(Self.request, route: "chat")
                return nil
            } catch let error as SwitchboardError {
                return error
            }
        }
        // 0 s: key 1; 40 s: key 2; 80 s: past the 60 s deadline, so key 3 is never called.
        #expect(error?.kind == .deadlineExceeded)
        #expect(log.keys == ["p#1", "p#2"])
    }
}
