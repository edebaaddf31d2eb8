import Foundation
import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// The failover engine against real HTTP upstreams on 127.0.0.1.
@Suite struct FailoverTests {
    @Test func rateLimitedKeyIsSkippedAndItsCooldownHoldsAcrossRequests() async throws {
        let upstream = try await MockUpstream { request in
            request.authorization == "Bearer key-one" ? .status(429, headers: [("retry-after", "30")]) : .chat("hello")
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), ["KEY_1", "KEY_2"])])
        try await EngineHarness.withEngine(yaml, environment: ["KEY_1": "key-one", "KEY_2": "key-two"]) { engine in
            let first = try await engine.complete(ChatRequest(messages: [.user("hi")]), route: "chat")
            #expect(first.text == "hello")
            #expect(first.provider == "primary")
            // Round robin started at key 1, which was rate limited, so key 2 answered.
            #expect(first.trace.entries.map(\.key) == ["primary-keys#1", "primary-keys#2"])
            #expect(first.trace.entries[0].outcome == .failure(errorClass: "rate_limited", status: 429))
            #expect(first.trace.entries[0].action == .nextKey)
            // Later requests never call the cooling key, whichever key the rotation starts at.
            for _ in 0..<4 {
                let later = try await engine.complete(ChatRequest(messages: [.user("hi")]), route: "chat")
                #expect(later.trace.entries.map(\.key) == ["primary-keys#2"])
            }
        }
        #expect(upstream.requests.filter { $0.authorization == "Bearer key-one" }.count == 1)
    }

    @Test func aServerErrorOnTheFirstKeyIsNotReportedAsEveryKeyFailing() async throws {
        // A 500 moves on to the next target after one key: the summary must not claim both keys failed.
        let upstream = try await MockUpstream { _ in .status(500) }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), ["KEY_1", "KEY_2"])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["KEY_1": "key-one", "KEY_2": "key-two"]) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("hi")]), route: "chat")
            }
            #expect(error?.trace.attempts == 1)
            #expect(error?.message.contains("keys failed") == false)
            #expect(error?.message.contains("HTTP 500") == true)
        }
    }

    @Test func unauthorizedKeyIsDisabledUntilTheConfigurationIsReloaded() async throws {
        let upstream = try await MockUpstream { request in
            request.authorization == "Bearer revoked" ? .status(401) : .chat("ok")
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), ["KEY_1", "KEY_2"])])
        let environment = ["KEY_1": "revoked", "KEY_2": "valid"]
        try await EngineHarness.withEngine(yaml, environment: environment) { engine in
            for _ in 0..<5 { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        }
        #expect(upstream.requests.filter { $0.authorization == "Bearer revoked" }.count == 1)
        // A reload builds a new engine: the key gets one more chance.
        try await EngineHarness.withEngine(yaml, environment: environment) { engine in
            for _ in 0..<3 { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        }
        #expect(upstream.requests.filter { $0.authorization == "Bearer revoked" }.count == 2)
    }

    @Test func unavailableTriesTheNextKeyThenTheNextTarget() async throws {
        let loading = try await MockUpstream { _ in
            .status(503, #"{"error":"Model x is currently loading","estimated_time":20.0}"#)
        }
        let healthy = try await MockUpstream { _ in .chat("from the second target") }
        defer { loading.syncShutdown(); healthy.syncShutdown() }
        let yaml = EngineHarness.chain([
            ("first", loading.url("/v1"), ["A_1", "A_2"]), ("second", healthy.url("/v1"), ["B_1"]),
        ])
        try await EngineHarness.withEngine(yaml, environment: ["A_1": "a1", "A_2": "a2", "B_1": "b1"]) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.text == "from the second target")
            #expect(answer.provider == "second")
            #expect(answer.trace.entries.map(\.provider) == ["first", "first", "second"])
            #expect(answer.trace.entries.prefix(2).allSatisfy { $0.outcome == .failure(errorClass: "unavailable", status: 503) })
            // Both keys of the first target now cool down: the next request goes straight to the second.
            let next = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(next.trace.entries.first?.outcome == .skipped)
            #expect(next.trace.entries.first?.message.contains("cooling") == true)
            #expect(next.trace.attempts == 1)
        }
        #expect(loading.requests.count == 2)
    }

    @Test func timeoutMovesToTheNextTarget() async throws {
        let slow = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("too late")
            reply.headDelay = .seconds(5)
            return reply
        }
        let fast = try await MockUpstream { _ in .chat("fast") }
        defer { slow.syncShutdown(); fast.syncShutdown() }
        let yaml = EngineHarness.chain(
            [("slow", slow.url("/v1"), []), ("fast", fast.url("/v1"), [])],
            policy: "{ deadline: 10s, attempt_timeout: 1s }")
        try await EngineHarness.withEngine(yaml) { engine in
            let started = ContinuousClock.now
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.text == "fast")
            #expect(answer.trace.entries[0].outcome == .failure(errorClass: "timeout", status: nil))
            #expect(answer.trace.entries[0].action == .nextTarget)
            #expect(started.duration(to: .now) < .seconds(4))
        }
    }

    @Test func allKeysFailedMovesToTheNextTargetAndSaysSo() async throws {
        let broken = try await MockUpstream { _ in .status(429) }
        let healthy = try await MockUpstream { _ in .chat("second") }
        defer { broken.syncShutdown(); healthy.syncShutdown() }
        let yaml = EngineHarness.chain(
            [("first", broken.url("/v1"), ["A_1", "A_2", "A_3"]), ("second", healthy.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["A_1": "key-a1", "A_2": "key-a2", "A_3": "key-a3"]) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.provider == "second")
            #expect(answer.trace.entries.filter { $0.provider == "first" }.count == 3)
            #expect(Set(answer.trace.entries.compactMap(\.key)) == ["first-keys#1", "first-keys#2", "first-keys#3"])
        }
    }

    @Test func everyProviderFailingFallsBackToTheTemplate() async throws {
        let down = try await MockUpstream { _ in .status(500, "<html>Internal error</html>") }
        defer { down.syncShutdown() }
        let yaml = EngineHarness.chain([("one", down.url("/v1"), ["K1"]), ("two", down.url("/v2"), ["K2"])])
        try await EngineHarness.withEngine(yaml, environment: ["K1": "k1", "K2": "k2"]) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("what is SSE?")]), route: "chat")
            #expect(answer.text == "offline: what is SSE?")
            #expect(answer.provider == "offline")
            #expect(answer.trace.entries.map(\.outcome) == [
                .failure(errorClass: "server_error", status: 500), .failure(errorClass: "server_error", status: 500), .success,
            ])
        }
    }

    @Test func everyProviderFailingWithoutTemplateIsAnErrorNamingEachTarget() async throws {
        let down = try await MockUpstream { _ in .status(503) }
        defer { down.syncShutdown() }
        let yaml = EngineHarness.chain(
            [("router", down.url("/v1"), ["K1", "K2"]), ("inference", down.url("/v2"), ["K3"])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["K1": "k1", "K2": "k2", "K3": "k3"]) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            #expect(error?.kind == .unavailable)
            // Both of router's keys failed; inference's one call answered 503.
            #expect(error?.message.contains("router [model-router]: All router API keys failed (last: HTTP 503") == true,
                    "\(error?.message ?? "")")
            #expect(error?.message.contains("inference [model-inference]: Model unavailable") == true)
            #expect(error?.trace.attempts == 3)
        }
    }

    /// A 401 on one key and a 503 on the other is every key failing, not "Model unavailable".
    @Test func everyKeyFailingDifferentlyIsReportedAsEveryKeyFailing() async throws {
        let upstream = try await MockUpstream { request in
            request.authorization == "Bearer k1" ? .status(401) : .status(503)
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("router", upstream.url("/v1"), ["K1", "K2"])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["K1": "k1", "K2": "k2"]) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            #expect(error?.message.contains("All router API keys failed (last: HTTP 503") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("Model unavailable") == false)
        }
    }

    @Test func theDeadlineHolds() async throws {
        let stalled = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("never")
            reply.headDelay = .seconds(10)
            return reply
        }
        defer { stalled.syncShutdown() }
        let yaml = EngineHarness.chain(
            [("a", stalled.url("/v1"), []), ("b", stalled.url("/v2"), []), ("c", stalled.url("/v3"), [])],
            withTemplate: false, policy: "{ deadline: 1s, attempt_timeout: 600ms }")
        try await EngineHarness.withEngine(yaml) { engine in
            let started = ContinuousClock.now
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            let elapsed = started.duration(to: .now)
            #expect(error?.kind == .deadlineExceeded)
            // Two attempts fit (600 ms, then the 400 ms left) and none starts after the deadline. On a
            // loaded machine the first timeout can fire late enough that the second never starts, so one
            // is allowed too; a third never is.
            let attempts = error?.trace.attempts ?? 0
            #expect((1...2).contains(attempts))
            #expect(elapsed < .milliseconds(2_500))
            // An attempt cut short while connecting never reaches the upstream.
            #expect(stalled.requests.count <= attempts)
        }
    }

    @Test func noKeysConfiguredFallsBackToTheTemplateNamingTheSkippedProviders() async throws {
        let upstream = try await MockUpstream { _ in .chat("unreachable") }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("huggingface-router", upstream.url("/v1"), ["VITE_HUGGINGFACE_API_KEY", "HF_API_KEY"])])
        try await EngineHarness.withEngine(yaml, environment: ["HF_API_KEY": "your_huggingface_api_key_here"]) { engine in
            #expect(engine.startupNotes.contains { $0.contains("No huggingface-router API keys available: set one of VITE_HUGGINGFACE_API_KEY, HF_API_KEY") })
            let answer = try await engine.complete(ChatRequest(messages: [.user("hello")]), route: "chat")
            #expect(answer.provider == "offline")
            #expect(answer.trace.entries[0].outcome == .skipped)
            #expect(answer.trace.entries[0].message.hasPrefix("No huggingface-router API keys available"))
        }
        #expect(upstream.requests.isEmpty)
    }

    @Test func roundRobinSpreadsRequestsEvenlyOverKeys() async throws {
        let upstream = try await MockUpstream { _ in .chat("ok") }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), ["K1", "K2", "K3"])])
        try await EngineHarness.withEngine(yaml, environment: ["K1": "one", "K2": "two", "K3": "three"]) { engine in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
                }
                try await group.waitForAll()
            }
        }
        let counts = Dictionary(grouping: upstream.requests, by: { $0.authorization ?? "" }).mapValues(\.count)
        #expect(counts.count == 3)
        #expect(counts.values.sorted() == [33, 33, 34])
    }

    /// Two targets on one key pool each go round all of its keys: with one counter for the pool, the
    /// first target (always failing over) kept key #1 and the second kept key #2.
    @Test func targetsSharingAPoolEachRotateOverAllItsKeys() async throws {
        let upstream = try await MockUpstream { request in
            request.json["model"] as? String == "model-a" ? .status(500) : .chat("ok")
        }
        defer { upstream.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { shared: [K1, K2] }
            providers:
              up: { adapter: openai-chat, base_url: \(upstream.url("/v1")), key_pool: shared }
            routes:
              chat:
                - { provider: up, model: model-a, priority: 1 }
                - { provider: up, model: model-b, priority: 2 }
            """
        try await EngineHarness.withEngine(yaml, environment: ["K1": "key-one", "K2": "key-two"]) { engine in
            for _ in 0..<4 { _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        }
        for model in ["model-a", "model-b"] {
            let keys = upstream.requests.filter { $0.json["model"] as? String == model }.compactMap(\.authorization)
            #expect(keys == ["Bearer key-one", "Bearer key-two", "Bearer key-one", "Bearer key-two"], "\(model): \(keys)")
        }
    }

    @Test func badRequestStopsTheChainInsteadOfBurningThroughIt() async throws {
        let first = try await MockUpstream { _ in .status(400, #"{"error":{"message":"messages: required"}}"#) }
        let second = try await MockUpstream { _ in .chat("should not be asked") }
        defer { first.syncShutdown(); second.syncShutdown() }
        let yaml = EngineHarness.chain([("first", first.url("/v1"), []), ("second", second.url("/v1"), [])])
        try await EngineHarness.withEngine(yaml) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            #expect(error?.kind == .rejected)
            #expect(error?.upstreamStatus == 400)
        }
        #expect(second.requests.isEmpty)
    }

    @Test func retryRuleRetriesTheSameKeyWithBackoffThenMovesOn() async throws {
        let flaky = try await MockUpstream { _ in .status(502) }
        let healthy = try await MockUpstream { _ in .chat("ok") }
        defer { flaky.syncShutdown(); healthy.syncShutdown() }
        let rules = "  - { class: bad_gateway, match: { status: 502 }, action: retry, retries: 2 }"
        let yaml = EngineHarness.chain(
            [("flaky", flaky.url("/v1"), []), ("healthy", healthy.url("/v1"), [])], rules: rules)
        try await EngineHarness.withEngine(yaml) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.provider == "healthy")
            #expect(answer.trace.entries.map(\.action) == [.retry, .retry, .nextTarget, nil])
        }
        #expect(flaky.requests.count == 3)
    }

    @Test func malformedAndTruncatedAnswersMoveToTheNextTarget() async throws {
        let garbage = try await MockUpstream { request in
            request.path.hasPrefix("/bad-json") ? .json("{not json") : .json(#"{"unexpected":true}"#)
        }
        let cut = try await MockUpstream { _ in
            MockUpstream.Reply(status: 200, headers: [("content-type", "application/json")],
                               parts: [(.zero, #"{"choices":[{"mess"#)], cutAfterParts: true)
        }
        defer { garbage.syncShutdown(); cut.syncShutdown() }
        let yaml = EngineHarness.chain([
            ("bad-json", garbage.url("/bad-json"), []), ("wrong-shape", garbage.url("/wrong-shape"), []),
            ("cut", cut.url("/v1"), []),
        ])
        try await EngineHarness.withEngine(yaml) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.provider == "offline")
            let classes = answer.trace.entries.map(\.outcome)
            #expect(classes[0] == .failure(errorClass: "malformed_response", status: nil))
            #expect(classes[1] == .failure(errorClass: "malformed_response", status: nil))
            if case .failure(let errorClass, _) = classes[2] {
                #expect(["connection_error", "malformed_response"].contains(errorClass))
            } else {
                Issue.record("the cut answer should have failed, got \(classes[2])")
            }
        }
    }

    @Test func refusedConnectionMovesToTheNextTarget() async throws {
        let closed = try await MockUpstream { _ in .chat("x") }
        let deadURL = closed.url("/v1")
        try await closed.shutdown()
        let yaml = EngineHarness.chain([("gone", deadURL, [])])
        try await EngineHarness.withEngine(yaml) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            #expect(answer.provider == "offline")
            #expect(answer.trace.entries[0].outcome == .failure(errorClass: "connection_error", status: nil))
        }
    }

    @Test func unknownRouteIsATypedError() async throws {
        let yaml = EngineHarness.chain([])
        try await EngineHarness.withEngine(yaml) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "nope")
            }
            #expect(error?.kind == .unknownRoute)
        }
    }
}

@Suite struct ReloadStateTests {
    @Test func cooldownsCarryOverAReloadAndDisabledKeysGetAFreshChance() async throws {
        let upstream = try await MockUpstream { request in
            switch request.authorization {
            case "Bearer limited-key": return .status(429, headers: [("retry-after", "60")])
            case "Bearer revoked-key": return .status(401)
            default: return .chat("ok")
            }
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), ["K1", "K2", "K3"])])
        let environment = ["K1": "limited-key", "K2": "revoked-key", "K3": "good-key"]
        let configuration = try EngineHarness.configuration(yaml)
        let first = try Switchboard(configuration: configuration, environment: environment, logger: EngineHarness.quietLogger)
        for _ in 0..<3 { _ = try await first.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        #expect(upstream.requests.filter { $0.authorization == "Bearer limited-key" }.count == 1)
        #expect(upstream.requests.filter { $0.authorization == "Bearer revoked-key" }.count == 1)

        let reloaded = try Switchboard(
            configuration: configuration, environment: environment, logger: EngineHarness.quietLogger, replacing: first)
        for _ in 0..<3 { _ = try await reloaded.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        // Still cooling: no new call. Disabled before the reload: one more chance, then disabled again.
        #expect(upstream.requests.filter { $0.authorization == "Bearer limited-key" }.count == 1)
        #expect(upstream.requests.filter { $0.authorization == "Bearer revoked-key" }.count == 2)

        // A changed pool starts afresh.
        let changed = try Switchboard(
            configuration: configuration, environment: ["K1": "limited-key", "K2": "revoked-key", "K3": "other-good-key"],
            logger: EngineHarness.quietLogger, replacing: reloaded)
        for _ in 0..<3 { _ = try await changed.complete(ChatRequest(messages: [.user("x")]), route: "chat") }
        #expect(upstream.requests.filter { $0.authorization == "Bearer limited-key" }.count == 2)
        try await first.shutdown()
        try await reloaded.shutdown()
        try await changed.shutdown()
    }
}
