import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Issue 6 §4: distinctive provider keys and client tokens in the environment, upstreams that echo the
/// key back in every way they can, and every output the gateway has — every log line (at trace level),
/// every response status line, header and body, `/metrics`, the attempt traces `generate --trace`
/// prints, reload answers and lint output (with `--check-env`). No key or token, nor any 8-character
/// piece of one, may appear in any of it.
@Suite(.serialized) struct SecretLeakAuditTests {
    // Fake values, assembled at run time so that no key-shaped literal sits in the repository (secret
    // scanners on commits flag those, fake or not).
    static let keyOne = "sk-" + "audit" + "Qm7Vx2LpR9" + "tZk4Wn8Bd3Hs"
    /// Used, but without the pool's `sk-` prefix (a start-up note and an `env-prefix` warning).
    static let keyTwo = "zz-" + "audit" + "Hj5Ke8Nq2Y" + "s6Ux1Fo4Gt"
    static let backupKey = "bk7Rt4Gy9U" + "h2Jk5Lz8Xc" + "3Vb6Nm1Qw"
    static let tokenOne = "gwtok-" + "Aq3Ws8Ed5R" + "f2Tg7Yh4Uj"
    static let tokenTwo = "gwtok-" + "Zx6Cv1Bn9M" + "k4Lp7Ou2Iy"
    static let adminToken = "gwadm-" + "Pq8Rs2Tu6V" + "w1Xy5Za9Bc"
    static let secrets = [keyOne, keyTwo, backupKey, tokenOne, tokenTwo, adminToken]

    static let environment: [String: String] = [
        "AUDIT_OPENAI_1": keyOne,
        "AUDIT_OPENAI_2": keyTwo,
        "AUDIT_OPENAI_3": keyOne,  // a duplicate of #1
        "AUDIT_OPENAI_4": "your_openai_api_key_here",  // a placeholder
        // AUDIT_OPENAI_5 unset
        "AUDIT_BACKUP_1": backupKey,
        "SWITCHBOARD_API_TOKENS": "\(tokenOne), \(tokenTwo)",
        "SWITCHBOARD_ADMIN_TOKENS": adminToken,
    ]

    /// Every 8-character piece of a secret that occurs in `text`.
    static func leaks(in text: String, of secrets: [String] = secrets) -> [String] {
        var found: Set<String> = []
        for secret in secrets {
            let characters = Array(secret)
            for start in 0...(characters.count - 8) {
                let piece = String(characters[start..<(start + 8)])
                if text.contains(piece) { found.insert(piece) }
            }
        }
        return found.sorted()
    }

    static func config(primary: MockUpstream, secondary: MockUpstream, extra: String = "") -> String {
        """
        version: 1
        key_pools:
          openai:
            env: [AUDIT_OPENAI_1, AUDIT_OPENAI_2, AUDIT_OPENAI_3, AUDIT_OPENAI_4, AUDIT_OPENAI_5]
            prefix: sk-
          backup: [AUDIT_BACKUP_1]
        providers:
          primary:
            adapter: openai-chat
            base_url: \(primary.url("/v1"))
            key_pool: openai
            timeouts: { connect: 1s, request: 1s }\(extra)
          secondary:
            adapter: openai-chat
            base_url: \(secondary.url("/v1"))
            key_pool: backup
            timeouts: { connect: 1s, request: 4s }
        policy: { deadline: 8s, attempt_timeout: 4s, max_attempts: 8 }
        error_rules:
          - { class: rate_limited, match: { status: 429 }, action: next_key, cooldown: 100ms }
        routes:
          chat:
            - { provider: primary, model: primary-model, priority: 1 }
            - { provider: secondary, model: secondary-model, priority: 2 }
        """
    }

    /// The key the request carried, as an upstream echoing it back would send it.
    static func echo(_ request: MockUpstream.Request) -> String {
        let key = request.authorization ?? "none"
        return #"{"error":{"message":"Incorrect API key provided: \#(key). You can find your API key at https://example.invalid","key":"\#(key)"}}"#
    }

    typealias Script = @Sendable (MockUpstream.Request) -> MockUpstream.Reply

    struct Scenario: Sendable {
        var name: String
        var stream: Bool
        var primary: Script
        var secondary: Script
    }

    /// A representative part of the fault matrix, with every upstream answer echoing the key it was sent.
    static let scenarios: [Scenario] = [
        Scenario(name: "429 with the key echoed in body and headers", stream: false,
                 primary: { .status(429, echo($0), headers: [("retry-after", "1"), ("x-echo", $0.authorization ?? "")]) },
                 secondary: { FaultMatrixTests.healthy("secondary", $0) }),
        Scenario(name: "HTML 500 echoing the key, streamed", stream: true,
                 primary: { .html(500, "<html><body>bad key \($0.authorization ?? "")</body></html>") },
                 secondary: { FaultMatrixTests.healthy("secondary", $0) }),
        Scenario(name: "reset, then malformed JSON echoing the key", stream: false,
                 primary: { _ in MockUpstream.Reply(refuse: true, reset: true) },
                 secondary: { .json(#"{"oops": "\#($0.authorization ?? "")""#) }),
        Scenario(name: "stall, then a stream without [DONE]", stream: true,
                 primary: { _ in
                     var reply = MockUpstream.Reply.sse(["late"])
                     reply.headDelay = .seconds(5)
                     return reply
                 },
                 secondary: { _ in .sseRaw([(.zero, MockUpstream.Reply.sseEvent("partial"))]) }),
        Scenario(name: "wrong shape echoing the key, streamed", stream: true,
                 primary: { .sseRaw([(.zero, "data: \(echo($0))\n\n")]) },
                 secondary: { .status(502, echo($0)) }),
        Scenario(name: "401 and 403 echoing the key (keys disabled)", stream: false,
                 primary: { .status(401, echo($0)) },
                 secondary: { .status(403, echo($0)) }),
    ]

    @Test func noKeyOrTokenReachesAnyOutput() async throws {
        let primary = try await MockUpstream { FaultMatrixTests.healthy("primary", $0) }
        let secondary = try await MockUpstream { FaultMatrixTests.healthy("secondary", $0) }
        let directory = FileManager.default.temporaryDirectory.appending(path: "switchboard-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "providers.yaml").path()
        let yaml = Self.config(primary: primary, secondary: secondary)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        // The key pasted into the file (a literal-secret lint error) for a reload and for the linter.
        let pastedPath = directory.appending(path: "pasted.yaml").path()
        try Self.config(primary: primary, secondary: secondary, extra: "\n    headers: { Authorization: \"Bearer \(Self.keyOne)\" }")
            .write(toFile: pastedPath, atomically: true, encoding: .utf8)

        let store = LogStore()
        let outputs = NIOLockedValueBox<[(String, String)]>([])
        @Sendable func keep(_ what: String, _ text: String) { outputs.withLockedValue { $0.append((what, text)) } }
        let tokens = GatewaySettings.tokens(from: Self.environment)
        #expect(tokens == [Self.tokenOne, Self.tokenTwo])

        let adminTokens = GatewaySettings.tokens(from: Self.environment, variable: GatewaySettings.adminTokensVariable)
        let clock = ManualClock()
        try await LiveGateway.run(
            yaml, environment: Self.environment, tokens: tokens, adminTokens: adminTokens, clock: clock,
            logger: store.logger(), reloadFrom: path
        ) { gateway in
            keep("start-up notes", gateway.gateway.engine.startupNotes.joined(separator: "\n"))
            for (index, scenario) in Self.scenarios.enumerated() {
                primary.setResponder(scenario.primary)
                secondary.setResponder(scenario.secondary)
                let token = index % 2 == 0 ? Self.tokenOne : Self.tokenTwo
                let reply = try await gateway.chat(stream: scenario.stream, headers: [("authorization", "Bearer \(token)")])
                keep(scenario.name, reply.transcript)
                #expect(!reply.timedOut, "\(scenario.name)")
                // What `switchboard generate --trace` prints: the same engine through the Swift API.
                let request = ChatRequest(messages: [.user("hello")])
                do {
                    if scenario.stream {
                        let answer = try await gateway.gateway.engine.stream(request, route: "chat")
                        keep("\(scenario.name): --trace", answer.trace.description)
                        keep("\(scenario.name): text", try await answer.collectText())
                    } else {
                        let answer = try await gateway.gateway.engine.complete(request, route: "chat")
                        keep("\(scenario.name): --trace", answer.trace.description)
                    }
                } catch {
                    keep("\(scenario.name): --trace error", "\(error)")
                }
                // The 100ms rate-limit cooldowns run out, so every scenario reaches the primary.
                clock.advance(by: .milliseconds(200))
            }
            #expect(primary.requests.count >= 2 * Self.scenarios.count, "the primary was skipped: \(primary.requests.count) calls")
            // The upstreams really were sent the keys (and echoed them): the audit is not vacuous.
            let sent = (primary.requests + secondary.requests).compactMap(\.authorization).joined(separator: "\n")
            #expect(sent.contains(Self.keyOne) && sent.contains(Self.keyTwo) && sent.contains(Self.backupKey))
            #expect(!(primary.requests + secondary.requests).contains { request in
                request.headers.values.contains { $0.contains(Self.tokenOne) || $0.contains(Self.tokenTwo) } || request.body.contains("gwtok")
            }, "a client token was forwarded upstream")

            let auth = [("authorization", "Bearer \(Self.tokenTwo)")]
            // Client auth failures: none, a wrong token sharing most of a real one, a malformed header.
            for headers in [[], [("authorization", "Bearer \(Self.tokenOne.dropLast())X")], [("authorization", Self.tokenTwo)]] {
                keep("unauthorized", try await gateway.chat(stream: false, headers: headers).transcript)
            }
            let operatorAuth = [("authorization", "Bearer \(Self.adminToken)")]
            for endpoint in ["/v1/models", "/readyz", "/healthz"] {
                keep(endpoint, try await gateway.send(.GET, endpoint, headers: auth).transcript)
            }
            keep("/metrics", try await gateway.send(.GET, "/metrics", headers: operatorAuth).transcript)
            keep("/metrics with a client token", try await gateway.send(.GET, "/metrics", headers: auth).transcript)
            // Reloads: the same file (re-enables the disabled keys), then one with the key pasted in.
            keep("reload", try await gateway.send(.POST, "/admin/reload", headers: operatorAuth).transcript)
            try String(contentsOfFile: pastedPath, encoding: .utf8).write(toFile: path, atomically: true, encoding: .utf8)
            let refused = try await gateway.send(.POST, "/admin/reload", headers: operatorAuth)
            keep("reload refused", refused.transcript)
            #expect(refused.status == 422)
            #expect(refused.body.contains("literal-secret"))
            primary.setResponder { FaultMatrixTests.healthy("primary", $0) }
            let healthy = try await gateway.chat(stream: false, headers: auth)
            keep("after reload", healthy.transcript)
            #expect(healthy.status == 200)
            keep("/metrics (end)", try await gateway.send(.GET, "/metrics", headers: auth).body)
        }
        try await primary.shutdown()
        try await secondary.shutdown()

        // Lint, as `switchboard lint --check-env` (text and JSON) would print it, for both files.
        let linter = Linter(environment: Self.environment)
        let clean = linter.lint(Array(yaml.utf8), file: "providers.yaml")
        let pasted = linter.lint(file: pastedPath)
        for report in [clean, pasted] {
            keep("lint text", DiagnosticFormatter().text(report))
            keep("lint text (colour)", DiagnosticFormatter(useColor: true).text(report))
        }
        keep("lint json", DiagnosticFormatter().json([clean, pasted]))
        keep("lint summary", DiagnosticFormatter().summary([clean, pasted]))
        let rules = Set(clean.diagnostics.map(\.rule.rawValue))
        #expect(rules.isSuperset(of: ["env-prefix", "env-duplicate", "env-placeholder", "env-unset"]), "\(rules)")
        #expect(pasted.diagnostics.contains { $0.rule == .literalSecret })
        keep("logs", store.text)

        // The audit itself.
        #expect(store.lines.count > 20, "too few log lines captured: \(store.lines.count)")
        #expect(!Self.leaks(in: "x" + Self.keyOne.dropFirst(5).prefix(8) + "x").isEmpty, "the leak check finds pieces")
        for (what, text) in outputs.withLockedValue({ $0 }) {
            let found = Self.leaks(in: text)
            #expect(found.isEmpty, "\(what) leaks \(found): \(text.prefix(2_000))")
        }
    }

    /// An upstream may put anything in its status line, the key included. Traces quote the status line
    /// (`HTTP 599 …`): a reason phrase echoing the key must not carry it to the client or the logs.
    @Test func aReasonPhraseEchoingTheKeyIsNotRepeated() async throws {
        let primary = try await MockUpstream { request in
            MockUpstream.Reply(status: 599, headers: [("content-type", "application/json")], parts: [(.zero, "{}")],
                               reasonPhrase: "Invalid key \(request.authorization ?? "")")
        }
        let secondary = try await MockUpstream { _ in .status(502) }
        let store = LogStore()
        let outputs = NIOLockedValueBox<[(String, String)]>([])
        try await LiveGateway.run(
            Self.config(primary: primary, secondary: secondary), environment: Self.environment, logger: store.logger()
        ) { gateway in
            let reply = try await gateway.chat(stream: false)
            #expect(reply.status == 503)
            outputs.withLockedValue { $0.append(("response", reply.transcript)) }
            do {
                _ = try await gateway.gateway.engine.complete(ChatRequest(messages: [.user("hello")]), route: "chat")
            } catch {
                outputs.withLockedValue { $0.append(("--trace", "\(error)")) }
            }
        }
        try await primary.shutdown()
        try await secondary.shutdown()
        #expect(primary.requests.first?.authorization == "Bearer \(Self.keyOne)")
        outputs.withLockedValue { $0.append(("logs", store.text)) }
        // The client drops a non-standard reason phrase (the trace says `HTTP 599 `), so nothing of it reaches anyone.
        for (what, text) in outputs.withLockedValue({ $0 }) {
            let found = Self.leaks(in: text)
            #expect(found.isEmpty, "\(what) leaks \(found): \(text.prefix(1_000))")
        }
    }

    /// A key pasted where its variable's name belongs (`env: [<the key>]`). Keys with a known prefix are
    /// caught as `literal-secret`; others are taken for a variable name (or rejected as an invalid one)
    /// and quoted back by the linter, and by the engine's start-up note.
    @Test func aKeyWithoutAKnownPrefixPastedIntoEnvIsNotRepeated() throws {
        let digitFirst = "7f3a9b2c4d6e8f0a1b3c5d7e9f2a4b6c"
        let yaml = """
            version: 1
            key_pools:
              backup: [\(Self.backupKey)]
              hex: ["\(digitFirst)"]
            providers:
              one: { adapter: openai-chat, base_url: "http://127.0.0.1:9/v1", key_pool: backup }
              two: { adapter: openai-chat, base_url: "http://127.0.0.1:9/v1", key_pool: hex }
            routes:
              chat:
                - { provider: one, model: m, priority: 1 }
                - { provider: two, model: m, priority: 2 }
            """
        let environment = ["BACKUP": Self.backupKey, "HEX": digitFirst]
        let report = Linter(environment: environment).lint(Array(yaml.utf8), file: "providers.yaml")
        let output = DiagnosticFormatter().text(report) + DiagnosticFormatter().json([report])
        #expect(report.errorCount > 0)
        let found = Self.leaks(in: output, of: [Self.backupKey, digitFirst])
        #expect(found.isEmpty, "lint output leaks \(found):\n\(output)")
    }
}
