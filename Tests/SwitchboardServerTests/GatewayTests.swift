import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// The gateway over real HTTP (HummingbirdTesting's live mode: a server on 127.0.0.1, port 0).
@Suite struct GatewayTests {
    static let quiet = Logger(label: "gateway-tests") { _ in SwiftLogNoOpLogHandler() }

    static let templateOnly = """
        version: 1
        providers:
          offline:
            adapter: template
            options: { templates: { text: "offline: {{prompt}}" } }
        routes:
          text-generation: [{ provider: offline, priority: 1 }]
        """

    static func chain(_ upstream: MockUpstream, policy: String = "{ deadline: 5s, attempt_timeout: 1s }") -> String {
        """
        version: 1
        key_pools: { main: [MAIN_KEY] }
        providers:
          primary: { adapter: openai-chat, base_url: \(upstream.url("/primary")), key_pool: main }
          secondary: { adapter: openai-chat, base_url: \(upstream.url("/secondary")) }
        policy: \(policy)
        routes:
          chat:
            - { provider: primary, model: primary-model, priority: 1 }
            - { provider: secondary, model: secondary-model, priority: 2 }
        """
    }

    /// Runs `body` against a live gateway for `yaml`.
    static func withGateway(
        _ yaml: String, environment: [String: String] = [:], tokens: [String] = [], adminTokens: [String] = [],
        maxRequestBytes: Int = 1 << 20, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let metrics = GatewayMetrics()
        let configuration = try SwitchboardConfiguration.parse(yaml).configuration
        let engine = try Switchboard(
            configuration: configuration, environment: environment, logger: quiet, metricsFactory: metrics.factory)
        let settings = GatewaySettings(
            host: "127.0.0.1", port: 0, clientTokens: tokens, adminTokens: adminTokens, maxRequestBytes: maxRequestBytes)
        let gateway = Gateway(engine: engine, settings: settings, logger: quiet, metrics: metrics)
        let application = buildApplication(gateway: gateway)
        try await application.test(.live) { client in try await body(client) }
        try await engine.shutdown()
    }

    static func chatBody(model: String = "text-generation", stream: Bool = false, extra: String = "") -> ByteBuffer {
        ByteBuffer(string: #"{"model":"\#(model)","messages":[{"role":"user","content":"hello"}],"stream":\#(stream)\#(extra)}"#)
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    // MARK: - Endpoints

    @Test func chatCompletionInOpenAIShapeWithAnswerHeaders() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                     body: Self.chatBody()) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-switchboard-provider")!] == "offline")
                #expect(response.headers[HTTPField.Name("x-switchboard-route")!] == "text-generation")
                #expect(response.headers[HTTPField.Name("x-switchboard-attempts")!] == "1")
                let json = Self.json(response.body)
                #expect(json["object"] as? String == "chat.completion")
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                #expect((choice["message"] as? [String: Any])?["content"] as? String == "offline: hello")
                #expect(choice["finish_reason"] as? String == "stop")
            }
        }
    }

    @Test func streamedCompletionIsServerSentEventsEndingWithDone() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(stream: true)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let text = String(buffer: response.body)
                let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.last == "data: [DONE]")
                let first = try #require(events.first?.dropFirst("data: ".count))
                let chunk = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
                #expect(chunk["object"] as? String == "chat.completion.chunk")
                let delta = (chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
                #expect(delta?["content"] as? String == "offline: hello")
                #expect(delta?["role"] as? String == "assistant")
            }
        }
    }

    @Test func modelsHealthAndReadiness() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let json = Self.json(response.body)
                #expect(json["object"] as? String == "list")
                #expect((json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["text-generation"])
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func readinessFailsWhenNoTargetCanBeTried() async throws {
        let yaml = """
            version: 1
            key_pools: { main: [UNSET_KEY] }
            providers:
              remote: { adapter: openai-chat, base_url: "http://127.0.0.1:9/v1", key_pool: main }
            routes:
              chat: [{ provider: remote, model: m, priority: 1 }]
            """
        try await Self.withGateway(yaml) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test func metricsExposeEngineAndHTTPCountersAfterTraffic() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody()) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"switchboard_requests_total{route="text-generation",outcome="success"} 1"#))
                #expect(text.contains("switchboard_http_requests_total"))
                #expect(text.contains("switchboard_attempt_duration_seconds"))
            }
        }
    }

    // MARK: - Errors

    @Test func malformedBodiesAreBadRequestsSayingWhatIsWrong() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            let cases: [(String, String)] = [
                ("not json", "not a JSON object"),
                (#"{"messages":[{"role":"user","content":"x"}]}"#, "'model' is required"),
                (#"{"model":"text-generation","messages":[]}"#, "'messages' is required"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"temperature":7}"#, "'temperature'"),
                ("", "the request body is empty"),
                (#"[1, 2]"#, "not a JSON object"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],}"#, "not a JSON object"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}]} trailing"#, "not a JSON object"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"\ud800"}]}"#, "not a JSON object"),
                (String(repeating: "[", count: 10_000), "not a JSON object"),
                (#"{"model":7,"messages":[{"role":"user","content":"x"}]}"#, "'model' is required"),
                (#"{"model":"text-generation","messages":[{"content":"x"}]}"#, "messages[0] must be an object with a 'role'"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":5}]}"#, "messages[0].content must be a string"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":[1]}]}"#, "content parts must be objects"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"max_tokens":1.5}"#, "'max_tokens' must be an integer"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"max_tokens":true}"#, "'max_tokens' must be an integer"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"top_p":"1"}"#, "'top_p' must be a number"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"stream":1}"#, "'stream' must be true or false"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"stop":[1]}"#, "'stop' must be a string or an array of at most 4"),
                (#"{"model":"text-generation","messages":[{"role":"user","content":"x"}],"stop":{}}"#, "'stop' must be a string or an array"),
            ]
            for (body, expected) in cases {
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    let error = Self.json(response.body)["error"] as? [String: Any]
                    #expect((error?["message"] as? String)?.contains(expected) == true, "\(body)")
                    #expect(error?["type"] as? String == "invalid_request_error")
                }
            }
        }
    }

    /// Text parts are joined, `max_tokens` may be written as `2.0`, and `metadata` strings become
    /// template variables: what the old Foundation-based parser accepted is still accepted. An image
    /// part is no longer dropped on the way to a text-only target: that request is refused instead.
    @Test func requestBodyVariantsClientsSendAreAccepted() async throws {
        let yaml = """
            version: 1
            providers:
              offline:
                adapter: template
                options: { templates: { text: "{{prompt}} / {{topic}}" } }
            routes:
              text-generation: [{ provider: offline, priority: 1 }]
            """
        try await Self.withGateway(yaml) { client in
            let body = #"""
                {"model":"text-generation","messages":[{"role":"user","content":[{"type":"text","text":"caf\u00e9"},
                {"type":"text","text":"\"quoted\"\n"}]}],
                "max_tokens":2.0,"temperature":0,"top_p":1,"stop":"END","metadata":{"topic":"Swift","n":3},
                "stream":false,"stream_options":null,"user":"u-1","n":1}
                """#
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let choice = (Self.json(response.body)["choices"] as? [[String: Any]])?.first
                #expect((choice?["message"] as? [String: Any])?["content"] as? String == "café\n\"quoted\"\n / Swift")
            }
            let withImage = body.replacingOccurrences(
                of: #"{"type":"text","text":"caf\u00e9"},"#,
                with: #"{"type":"text","text":"caf\u00e9"},{"type":"image_url","image_url":{"url":"x"}},"#)
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: withImage)) { response in
                #expect(response.status == .badRequest)
                let error = Self.json(response.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "unsupported_capability")
            }
        }
    }

    /// `x-request-id` and completion ids are generated per request: never repeated, in their usual shapes.
    @Test func generatedIDsAreUniqueAndShaped() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            var requestIDs: Set<String> = []
            var completionIDs: Set<String> = []
            for _ in 0..<200 {
                try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody()) { response in
                    let requestID = try #require(response.headers[HTTPField.Name("x-request-id")!])
                    #expect(requestID.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil, "\(requestID)")
                    requestIDs.insert(requestID)
                    let id = try #require(Self.json(response.body)["id"] as? String)
                    #expect(id.wholeMatch(of: /chatcmpl-[0-9a-f]{32}/) != nil, "\(id)")
                    completionIDs.insert(id)
                }
            }
            #expect(requestIDs.count == 200 && completionIDs.count == 200)
        }
    }

    @Test func unknownModelIsNotFoundListingValidOnes() async throws {
        try await Self.withGateway(Self.templateOnly) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "gpt-9")) { response in
                #expect(response.status == .notFound)
                let error = Self.json(response.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "model_not_found")
                #expect((error?["message"] as? String)?.contains("text-generation") == true)
            }
        }
    }

    @Test func oversizedBodyIsRejected() async throws {
        try await Self.withGateway(Self.templateOnly, maxRequestBytes: 256) { client in
            let big = Self.chatBody(extra: #","padding":"\#(String(repeating: "x", count: 1_000))""#)
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: big) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test func everyTargetRateLimitedIs429WithRetryAfter() async throws {
        let upstream = try await MockUpstream { _ in .status(429, headers: [("retry-after", "42")]) }
        try await Self.withGateway(Self.chain(upstream), environment: ["MAIN_KEY": "main-key-value"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "chat")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "42")
                let error = Self.json(response.body)["error"] as? [String: Any]
                let trace = try #require(error?["trace"] as? [String])
                #expect(trace.count == 2)
                #expect(trace[0].contains("(main#1)"))
                #expect(!String(buffer: response.body).contains("main-key-value"))
            }
        }
        try await upstream.shutdown()
    }

    @Test func upstreamFailuresAre503AndTimeoutsAre504WithoutRelayingUpstreamBodies() async throws {
        let failing = try await MockUpstream { _ in .status(500, "<html>secret-ish upstream detail</html>") }
        try await Self.withGateway(Self.chain(failing)) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "chat")) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(!String(buffer: response.body).contains("secret-ish"))
                // Error answers name their route and the upstream calls they cost, as answers do.
                #expect(response.headers[HTTPField.Name("x-switchboard-route")!] == "chat")
                #expect(response.headers[HTTPField.Name("x-switchboard-attempts")!] == "1")  // primary has no key: skipped
                #expect(response.headers[HTTPField.Name("x-switchboard-provider")!] == nil)
            }
        }
        try await failing.shutdown()
        let stalled = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("late")
            reply.headDelay = .seconds(2)
            return reply
        }
        let policy = "{ deadline: 600ms, attempt_timeout: 400ms }"
        try await Self.withGateway(Self.chain(stalled, policy: policy), environment: ["MAIN_KEY": "main-key-value"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "chat")) { response in
                #expect(response.status == .gatewayTimeout)
                #expect(response.headers[HTTPField.Name("x-switchboard-route")!] == "chat")
            }
        }
        try await stalled.shutdown()
    }

    @Test func aModelIdSelectsItsRouteStartingAtThatTarget() async throws {
        let upstream = try await MockUpstream { request in .chat("from \(request.path)") }
        try await Self.withGateway(Self.chain(upstream)) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "secondary-model")) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-switchboard-provider")!] == "secondary")
            }
        }
        #expect(upstream.requests.map(\.path) == ["/secondary/chat/completions"])
        try await upstream.shutdown()
    }

    // MARK: - Streaming failover

    @Test func streamingFailsOverBeforeTheFirstByte() async throws {
        let upstream = try await MockUpstream { request in
            request.path.hasPrefix("/primary") ? .status(503) : .sse(["fail", "over"])
        }
        try await Self.withGateway(Self.chain(upstream), environment: ["MAIN_KEY": "main-key-value"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "chat", stream: true)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("x-switchboard-provider")!] == "secondary")
                #expect(response.headers[HTTPField.Name("x-switchboard-attempts")!] == "2")
                let text = String(buffer: response.body)
                #expect(text.contains(#""content":"fail""#))
                #expect(text.hasSuffix("data: [DONE]\n\n"))
            }
        }
        try await upstream.shutdown()
    }

    @Test func aMidStreamFailureEndsWithAnErrorEventNotDone() async throws {
        let upstream = try await MockUpstream { _ in .sse(["partial"], done: false, cut: true) }
        try await Self.withGateway(Self.chain(upstream), environment: ["MAIN_KEY": "main-key-value"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody(model: "chat", stream: true)) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#""content":"partial""#))
                #expect(text.contains(#""code":"stream_interrupted""#))
                #expect(!text.contains("[DONE]"))
            }
        }
        try await upstream.shutdown()
    }

    // MARK: - Client auth

    @Test func clientTokensAreRequiredWhenConfigured() async throws {
        try await Self.withGateway(Self.templateOnly, tokens: ["gateway-token-one", "gateway-token-two"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.chatBody()) { response in
                #expect(response.status == .unauthorized)
                #expect((Self.json(response.body)["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post,
                                     headers: [.authorization: "Bearer gateway-token-two"], body: Self.chatBody()) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// A token's concurrency slot is held while its streamed answer is being written, not given back
    /// when the answer's head goes out.
    @Test func aStreamHoldsItsTokensSlotUntilItsBodyIsWritten() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.sse(["first", " second"]), fromPart: 1, plain: .chat("plain"))
        let yaml = """
            version: 1
            providers:
              up: { adapter: openai-chat, base_url: \(upstream.url("/v1")) }
            routes:
              chat: [{ provider: up, model: m, priority: 1 }]
            """
        try await LiveGateway.run(yaml, tokens: ["one-token"], maxConcurrentPerToken: 1, logger: Self.quiet) { live in
            let auth = [("authorization", "Bearer one-token")]
            let streaming = Task { try await live.chat(stream: true, headers: auth) }
            #expect(await gate.waitForHeld(1) == 1)
            // The stream has started (its head is out) and is still running: the token's one slot is taken.
            let refused = try await live.chat(stream: false, headers: auth)
            #expect(refused.status == 429)
            #expect(refused.error?["code"] as? String == "client_concurrency")
            gate.open()
            let streamed = try await streaming.value
            #expect(streamed.status == 200 && streamed.streamedText == "first second" && streamed.endsWithDone)
            // Written to the end: the slot is free again.
            #expect(try await live.chat(stream: false, headers: auth).status == 200)
        }
        try await upstream.shutdown()
    }

    @Test func theClientsAuthorizationIsNeverForwardedUpstream() async throws {
        let upstream = try await MockUpstream { _ in .chat("ok") }
        try await Self.withGateway(Self.chain(upstream), environment: ["MAIN_KEY": "provider-key"], tokens: ["client-token"]) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post,
                                     headers: [.authorization: "Bearer client-token"], body: Self.chatBody(model: "chat")) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(upstream.requests.map(\.authorization) == ["Bearer provider-key"])
        #expect(!upstream.requests.contains { $0.body.contains("client-token") })
        try await upstream.shutdown()
    }

    @Test func listeningBeyondLoopbackWithoutTokensIsRefused() {
        #expect(GatewaySettings(host: "0.0.0.0", port: 8080).refusal?.contains("SWITCHBOARD_API_TOKENS") == true)
        #expect(GatewaySettings(host: "0.0.0.0", port: 8080, clientTokens: ["t"]).refusal == nil)
        #expect(GatewaySettings(host: "127.0.0.1", port: 8080).refusal == nil)
        // A name that merely starts with "127." is not loopback.
        #expect(GatewaySettings(host: "127.example.com", port: 8080).refusal != nil)
        #expect(GatewaySettings(host: "localhost", port: 8080).refusal == nil)
    }
}
