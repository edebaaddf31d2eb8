import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOHTTP1
import Switchboard
@testable import SwitchboardServer
import SwitchboardUsage
import SwitchboardConfig
import SwitchboardState
import SwitchboardTestSupport
import Testing

/// `/status` and `/status.json` after real traffic through a live gateway: keys cooling and disabled
/// with their reasons and times, the figures of the requests made, cost at the target's price, operator
/// access only, and the background health checks' findings.
@Suite struct StatusPageTests {
    static let quiet = Logger(label: "status-tests") { _ in SwiftLogNoOpLogHandler() }

    /// key-limited gets 429 Retry-After 120, key-revoked 401, key-valid answers with 5 + 7 tokens.
    static func upstream() async throws -> MockUpstream {
        try await MockUpstream { request in
            switch request.authorization {
            case "Bearer key-limited": .status(429, headers: [("retry-after", "120")])
            case "Bearer key-revoked": .status(401)
            default:
                request.method == "GET" ? .json(#"{"object":"list","data":[{"id":"m"}]}"#) : .chat("fine")
            }
        }
    }

    static func yaml(_ upstream: MockUpstream) -> String {
        """
        version: 1
        key_pools:
          mock: { env: [K1, K2, K3], rotation: ordered }
        providers:
          up:
            adapter: openai-chat
            base_url: \(upstream.url("/v1"))
            key_pool: mock
            price: { input_per_million: 2.5, output_per_million: 10 }
            health_check: { interval: 1m }
          offline: { adapter: template, options: { templates: { text: "offline" } } }
        routes:
          chat:
            - { provider: up, model: m, priority: 1 }
            - { provider: offline, priority: 2 }
        """
    }

    static let environment = ["K1": "key-limited", "K2": "key-revoked", "K3": "key-valid"]

    @Test func theStatusShowsKeyStatesFiguresAndCost() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        try await LiveGateway.run(
            Self.yaml(upstream), environment: Self.environment, tokens: ["client-token"], adminTokens: ["admin-token"],
            logger: Self.quiet
        ) { live in
            let client = [("authorization", "Bearer client-token")]
            for _ in 0..<5 { #expect(try await live.chat(stream: false, headers: client).status == 200) }

            // Operators only.
            #expect(try await live.send(.GET, "/status", headers: client).status == 403)
            #expect(try await live.send(.GET, "/status.json").status == 401)

            let admin = [("authorization", "Bearer admin-token")]
            let reply = try await live.send(.GET, "/status.json", headers: admin)
            #expect(reply.status == 200)
            let route = try #require((reply.json["routes"] as? [[String: Any]])?.first)
            #expect(route["name"] as? String == "chat")
            let routeFigures = try #require(route["last_five_minutes"] as? [String: Any])
            #expect(routeFigures["requests"] as? Int == 5)
            #expect(routeFigures["success_rate"] as? Double == 1)
            #expect((route["requests_per_minute"] as? [Int])?.reduce(0, +) == 5)

            let targets = try #require(route["targets"] as? [[String: Any]])
            #expect(targets.map { $0["provider"] as? String } == ["up", "offline"])
            let up = targets[0]
            #expect(up["state"] as? String == "ready")
            let keys = try #require(up["keys"] as? [[String: Any]])
            #expect(keys.map { $0["label"] as? String } == ["mock#1", "mock#2", "mock#3"])
            #expect(keys.map { $0["state"] as? String } == ["cooling", "disabled", "ready"])
            #expect(keys[0]["reason"] as? String == "Retry-After 2m (rate_limited)")
            #expect(keys[0]["status"] as? Int == 429)
            let until = try #require((keys[0]["until"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect((100...121).contains(until.timeIntervalSinceNow), "cooling for Retry-After's 120 s: \(until)")
            #expect(keys[1]["reason"] as? String == "unauthorized" && keys[1]["status"] as? Int == 401)
            #expect(keys[1]["since"] is String)

            let figures = try #require(up["last_five_minutes"] as? [String: Any])
            #expect(figures["requests"] as? Int == 5)
            #expect(figures["attempts"] as? Int == 7)
            #expect(figures["successes"] as? Int == 5)
            #expect(figures["tokens_in"] as? Int == 25 && figures["tokens_out"] as? Int == 35)
            // 5 × (5 × 2.5 + 7 × 10) / 1e6
            #expect(abs((figures["cost"] as? Double ?? 0) - 0.0004125) < 1e-12)
            #expect(figures["cost_unknown"] as? Int == 0)
            #expect(figures["errors"] as? [String: Int] == ["rate_limited": 1, "unauthorized": 1])
            let keyUsage = try #require(reply.json["key_usage"] as? [[String: Any]])
            #expect(keyUsage.map { "\($0["label"] ?? "") \($0["calls"] ?? "")" } == ["mock#3 5", "mock#1 1", "mock#2 1"])

            // The page a person reads says the same.
            let page = try await live.send(.GET, "/status", headers: admin)
            #expect(page.status == 200)
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            #expect(page.body.contains(#"data-key="mock#1" data-state="cooling""#))
            #expect(page.body.contains(#"data-key="mock#2" data-state="disabled""#))
            #expect(page.body.contains("Retry-After 2m (rate_limited), HTTP 429"))
            #expect(page.body.contains("<meta http-equiv=\"refresh\""))
            #expect(!page.body.contains("<script"), "no script, nothing loaded from elsewhere")
            #expect(!page.body.contains("http://") && !page.body.contains("https://"))
            for secret in Self.environment.values { #expect(!page.body.contains(secret) && !reply.body.contains(secret)) }

            // /metrics agrees: the cost at the target's price, the tokens, the key states for this target.
            let metrics = try await live.send(.GET, "/metrics", headers: admin).body
            let cost = try #require(Self.sample(metrics, #"switchboard_cost_total{model="m",provider="up",route="chat"}"#))
            #expect(abs(cost - 0.0004125) < 1e-12)
            #expect(Self.sample(metrics, #"switchboard_tokens_total{model="m",provider="up",type="prompt"}"#) == 25)
            #expect(Self.sample(metrics, #"switchboard_keys{model="m",pool="mock",provider="up",state="cooling"}"#) == 1)
            #expect(Self.sample(metrics, #"switchboard_keys{model="m",pool="mock",provider="up",state="disabled"}"#) == 1)
        }
    }

    /// The value of the Prometheus sample whose name and labels are `series` (labels in any order).
    static func sample(_ text: String, _ series: String) -> Double? {
        guard let brace = series.firstIndex(of: "{") else { return nil }
        let name = series[..<brace]
        let wanted = Set(series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ","))
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let close = line.lastIndex(of: "}") else { continue }
            let labels = Set(line[line.index(line.startIndex, offsetBy: name.count + 1)..<close].split(separator: ","))
            if labels == wanted { return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }

    /// With a usage store, the hour comes from it (and says so), and the store holds each answer's cost.
    @Test func theHourComesFromTheUsageStoreWhenThereIsOne() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(20))
        let configuration = try SwitchboardConfiguration.parse(Self.yaml(upstream)).configuration
        let metrics = GatewayMetrics()
        let engine = try Switchboard(
            configuration: configuration, environment: Self.environment, logger: Self.quiet, metricsFactory: metrics.factory)
        let gateway = Gateway(
            engine: engine, settings: GatewaySettings(host: "127.0.0.1", port: 0), logger: Self.quiet, metrics: metrics,
            usage: recorder)
        let writer = Task { await recorder.run() }
        try await buildApplication(gateway: gateway).test(.live) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: LiveGateway.chatBody()))
                { response in #expect(response.status == .ok) }
            }
            try await recorder.flush()
            try await client.execute(uri: "/status.json", method: .get) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["hour_source"] as? String == "store")
                let target = try #require(((json["routes"] as? [[String: Any]])?.first?["targets"] as? [[String: Any]])?.first)
                let hour = try #require(target["last_hour"] as? [String: Any])
                #expect(hour["requests"] as? Int == 3 && hour["attempts"] as? Int == 5)
                // Exact figures from the store: 3 × (5 × 2.5 + 7 × 10) / 1e6.
                #expect(abs((hour["cost"] as? Double ?? 0) - 0.0002475) < 1e-12)
            }
        }
        writer.cancel()
        await writer.value
        try await engine.shutdown()
        let store = try UsageStore.openExisting(path: path)
        let costs = try store.requests().map(\.cost)
        #expect(costs.count == 3 && costs.allSatisfy { abs(($0 ?? 0) - 0.0000825) < 1e-12 })
        try store.close()
    }

    /// One round of the background checks (what `serve` runs at start-up and every interval) shows on the
    /// page and disables the refused key.
    @Test func healthCheckFindingsAppearOnTheStatus() async throws {
        let upstream = try await Self.upstream()
        defer { upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), environment: Self.environment, logger: Self.quiet) { live in
            let service = HealthCheckService(gateway: live.gateway, clock: ContinuousClock())
            var schedule = HealthCheckSchedule<ContinuousClock.Instant>()
            let now = ContinuousClock.now
            let next = await service.round(&schedule, now: now)
            #expect(next == now.advanced(by: .seconds(60)))
            let reply = try await live.send(.GET, "/status.json")
            let probes = try #require(reply.json["probes"] as? [[String: Any]])
            #expect(probes.map { "\($0["subject"] ?? "") \($0["result"] ?? "")" } == [
                "m available", "mock#1 rate_limited", "mock#2 invalid", "mock#3 valid",
            ])
            let keys = try #require(
                ((reply.json["routes"] as? [[String: Any]])?.first?["targets"] as? [[String: Any]])?.first?["keys"]
                    as? [[String: Any]])
            #expect(keys.map { $0["state"] as? String } == ["cooling", "disabled", "ready"])
            #expect(keys[1]["reason"] as? String == "health probe: key refused")
            let page = try await live.send(.GET, "/status")
            #expect(page.body.contains("Health probes"))
        }
        // No user request was made: every call was a probe.
        #expect(upstream.requests.allSatisfy { $0.method == "GET" })
    }

    @Test func theSharedStateSectionSaysWhetherTheDatabaseIsThereAndWhatWasLost() throws {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        var snapshot = StatusSnapshot(
            generatedAt: since, startedAt: since, hourSource: "memory", routes: [], keyUsage: [], probes: [],
            sharedState: SharedStateStatus(
                database: "db.internal:5432/switchboard", connected: false, since: since,
                lastError: "connection refused <script>", connectionFailures: 4, keyChangesSent: 2,
                keyChangesReceived: 3, usageBuffered: 10, usageWritten: 120, usageDropped: 7))
        let down = StatusPage.render(snapshot)
        #expect(down.contains("db.internal:5432/switchboard"))
        #expect(down.contains("not connected"))
        #expect(down.contains("connection refused &lt;script&gt;"))
        #expect(down.contains("<dd>2 / 3</dd>") && down.contains("<dd>120</dd>") && down.contains("<dd>7</dd>"))
        snapshot.sharedState?.connected = true
        #expect(StatusPage.render(snapshot).contains(">connected</span>"))
        snapshot.sharedState = nil
        #expect(!StatusPage.render(snapshot).contains("Shared state"))
        let json = String(decoding: try StatusSnapshot.encoder.encode(snapshot), as: UTF8.self)
        #expect(!json.contains("shared_state"))
    }

    @Test func theScheduleProbesAtOnceThenEveryInterval() {
        var schedule = HealthCheckSchedule<ContinuousClock.Instant>()
        let start = ContinuousClock.now
        let checks = [("a", HealthCheck(interval: .seconds(60))), ("b", HealthCheck(interval: .seconds(30)))]
        #expect(schedule.due(checks: checks.map { ($0.0, $0.1) }, now: start) == ["a", "b"])
        #expect(schedule.next(checks: checks.map { ($0.0, $0.1) }, now: start) == start.advanced(by: .seconds(30)))
        #expect(schedule.due(checks: checks.map { ($0.0, $0.1) }, now: start.advanced(by: .seconds(29))).isEmpty)
        #expect(schedule.due(checks: checks.map { ($0.0, $0.1) }, now: start.advanced(by: .seconds(30))) == ["b"])
        #expect(schedule.due(checks: checks.map { ($0.0, $0.1) }, now: start.advanced(by: .seconds(60))) == ["a", "b"])
        // A provider whose checks a reload removed is forgotten; one added is due at once.
        let reloaded = [("c", HealthCheck(interval: .seconds(10)))]
        #expect(schedule.due(checks: reloaded.map { ($0.0, $0.1) }, now: start.advanced(by: .seconds(61))) == ["c"])
        #expect(schedule.next(checks: reloaded.map { ($0.0, $0.1) }, now: start) == start.advanced(by: .seconds(71)))
    }
}
