import Foundation
import MetricsTestKit
import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// `switchboard probe` and the background health checks, against fake providers: an OpenAI-compatible
/// one whose `GET /v1/models` answers by key, and a Hugging Face Hub for the task API.
@Suite struct ProbeTests {
    /// OpenAI-style: key-valid lists models, key-revoked gets 401, key-limited 429 Retry-After 30; the Hub:
    /// hf-valid is a known token, `org/cold` is deployed on hf-inference but not loaded, anything else 404.
    static func upstream() async throws -> MockUpstream {
        try await MockUpstream { request in
            let key = request.authorization ?? ""
            if request.method == "GET", request.path == "/v1/models" {
                switch key {
                case "Bearer key-valid":
                    return .json("""
                        {"object":"list","data":[{"id":"gpt-test","object":"model"},
                        {"id":"org/zephyr","object":"model","providers":[{"provider":"featherless-ai","status":"live"}]}]}
                        """)
                case "Bearer key-limited":
                    return .status(429, #"{"error":{"message":"slow down","type":"rate_limit"}}"#, headers: [("retry-after", "30")])
                default:
                    return .status(401, #"{"error":{"message":"Incorrect API key","code":"invalid_api_key"}}"#)
                }
            }
            if request.method == "GET", request.path == "/api/whoami-v2" {
                return key == "Bearer hf-valid" ? .json(#"{"type":"user","name":"ops"}"#) : .status(401)
            }
            if request.method == "GET", request.path.hasPrefix("/api/models/org/cold") {
                return .json(#"{"id":"org/cold","inferenceProviderMapping":{"hf-inference":{"status":"live","providerId":"org/cold"}}}"#)
            }
            if request.method == "GET", request.path.hasPrefix("/api/models/") { return .status(404) }
            if request.method == "POST" {
                return key == "Bearer key-valid" ? .chat("answered") : .status(401, #"{"error":{"code":"invalid_api_key"}}"#)
            }
            return .status(404)
        }
    }

    static func yaml(_ upstream: MockUpstream, healthCheck: Bool = false) -> String {
        """
        version: 1
        key_pools:
          oa: { env: [OA1, OA2, OA3], rotation: ordered }
          hf: [HF1]
        providers:
          openai:
            adapter: openai-chat
            base_url: \(upstream.url("/v1"))
            key_pool: oa
        \(healthCheck ? "    health_check: { interval: 1m, timeout: 5s }" : "")
          hf:
            adapter: hf-inference
            base_url: \(upstream.url("/models"))
            key_pool: hf
            options: { hub_url: \(upstream.url()) }
          offline:
            adapter: template
            options: { templates: { text: "offline" } }
        routes:
          chat:
            - { provider: openai, model: gpt-test, priority: 1 }
            - { provider: openai, model: "org/zephyr:featherless-ai", priority: 2 }
            - { provider: openai, model: "org/zephyr:groq", priority: 3 }
          summarize:
            - { provider: hf, model: org/cold, priority: 1 }
            - { provider: offline, priority: 2 }
          broken:
            - { provider: hf, model: org/missing, priority: 1 }
        """
    }

    static let environment = ["OA1": "key-valid", "OA2": "key-revoked", "OA3": "key-limited", "HF1": "hf-valid"]

    @Test func probeJudgesEveryKeyAndModel() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        let report = try await EngineHarness.withEngine(Self.yaml(upstream), environment: Self.environment) { engine in
            await engine.probe()
        }
        #expect(report.keys.map { "\($0.label) \($0.provider) \($0.verdict.description)" } == [
            "hf#1 hf valid",
            "oa#1 openai valid",
            "oa#2 openai invalid (HTTP 401)",
            "oa#3 openai rate limited (retry after 30s)",
        ])
        #expect(report.targets.map { "\($0.route) \($0.model ?? "-") \($0.verdict.name) \($0.working)" } == [
            "chat gpt-test available true",
            "chat org/zephyr:featherless-ai available true",
            "chat org/zephyr:groq not_found false",
            "summarize org/cold loading true",
            "summarize - available true",
            "broken org/missing not_found false",
        ])
        #expect(report.routes.map { "\($0.route) \($0.workingTargets)/\($0.targets)" } == ["chat 2/3", "summarize 2/2", "broken 0/1"])
        #expect(!report.allRoutesWork, "the exit status says a route has no working target")
        // Models are checked once, with the first working key; no completion is ever requested.
        #expect(upstream.requests.allSatisfy { $0.method == "GET" })
        #expect(upstream.requests.filter { $0.path.hasPrefix("/api/models/org/cold") }.count == 1)
        // The table names keys by label only.
        let table = report.table
        #expect(table.contains("oa#2  openai    invalid (HTTP 401)"))
        #expect(table.contains("route broken: 0 of 1 targets working — no working target"))
        for secret in Self.environment.values { #expect(!table.contains(secret) && !report.json.contains(secret)) }
    }

    @Test func aRouteWithAWorkingTargetPasses() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        let report = try await EngineHarness.withEngine(Self.yaml(upstream), environment: Self.environment) { engine in
            await engine.probe(routes: ["chat", "summarize"])
        }
        #expect(report.allRoutesWork)
        #expect(report.routes.map(\.route) == ["chat", "summarize"])
    }

    /// A health check finds the revoked key first: the next request never reaches the upstream with it.
    @Test func aHealthCheckDisablesARevokedKeyBeforeARequestUsesIt() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        // The revoked key first in an ordered pool: without the check, the first request would try it.
        let environment = ["OA1": "key-revoked", "OA2": "key-valid", "OA3": "key-limited", "HF1": "hf-valid"]
        let metrics = TestMetrics()
        try await EngineHarness.withEngine(
            Self.yaml(upstream, healthCheck: true), environment: environment, metrics: metrics
        ) { engine in
            #expect(engine.healthChecks.map(\.provider) == ["openai"])
            let findings = await engine.healthCheck(provider: "openai")
            #expect(findings.map { "\($0.subject) \($0.result)" } == [
                "oa#1 invalid", "oa#2 valid", "gpt-test available", "org/zephyr:featherless-ai available",
                "org/zephyr:groq not_found", "oa#3 rate_limited",
            ])
            let openai = try #require(engine.status().first { $0.name == "chat" }?.targets.first)
            #expect(openai.keys.map(\.label) == ["oa#1", "oa#2", "oa#3"])
            guard case .disabled(_, let reason, let status) = openai.keys[0].state else {
                Issue.record("oa#1 should be disabled: \(openai.keys[0].state)")
                return
            }
            #expect(reason == "health probe: key refused" && status == 401)
            guard case .cooling(_, let coolingReason, _) = openai.keys[2].state else {
                Issue.record("oa#3 should be cooling: \(openai.keys[2].state)")
                return
            }
            #expect(coolingReason == "health probe: Retry-After 30s")
            let answer = try await engine.complete(ChatRequest(messages: [.user("hi")]), route: "chat")
            #expect(answer.text == "answered")
        }
        for (result, count) in [("invalid", 1), ("valid", 1), ("rate_limited", 1)] {
            #expect(metrics.counterTotal(
                label: "switchboard_probes_total", dimensions: [("provider", "openai"), ("result", result)]) == count)
        }
        let posts = upstream.requests.filter { $0.method == "POST" }
        #expect(posts.count == 1)
        #expect(posts.allSatisfy { $0.authorization == "Bearer key-valid" })
    }

    /// A probe never shortens a cooldown a request set: only time (or a reload) ends it.
    @Test func aHealthyProbeDoesNotCutARetryAfterShort() async throws {
        let upstream = try await MockUpstream { request in
            if request.method == "GET" { return .json(#"{"object":"list","data":[{"id":"m"}]}"#) }
            return .status(429, headers: [("retry-after", "600")])
        }
        defer { upstream.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { p: [K1] }
            providers:
              up: { adapter: openai-chat, base_url: \(upstream.url("/v1")), key_pool: p, health_check: { interval: 1m } }
            routes:
              chat: [{ provider: up, model: m, priority: 1 }]
            """
        try await EngineHarness.withEngine(yaml, environment: ["K1": "key-one-value"]) { engine in
            await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            let findings = await engine.healthCheck(provider: "up")
            #expect(findings.first?.result == "valid")
            let key = try #require(engine.status().first?.targets.first?.keys.first)
            guard case .cooling(let until, let reason, let status) = key.state else {
                Issue.record("the key should still be cooling: \(key.state)")
                return
            }
            #expect(until.timeIntervalSinceNow > 500)
            #expect(reason == "Retry-After 10m (rate_limited)" && status == 429)
        }
    }
}
