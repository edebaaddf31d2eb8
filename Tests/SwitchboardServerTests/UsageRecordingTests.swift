import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardTestSupport
import SwitchboardUsage
import Testing

/// The usage store behind a live gateway: every chat request and attempt is recorded under the id the
/// client gets back, failovers and refusals included, and nothing is lost across a graceful restart.
@Suite struct UsageRecordingTests {
    static let quiet = Logger(label: "usage-tests") { _ in SwiftLogNoOpLogHandler() }
    static let requestID = HTTPField.Name("x-request-id")!

    static func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID().uuidString).sqlite").path
    }

    /// Runs `body` against a live gateway that records into `recorder` (whose writer runs meanwhile).
    static func withRecordingGateway(
        _ yaml: String, recorder: UsageRecorder, environment: [String: String] = [:],
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let metrics = GatewayMetrics()
        let configuration = try SwitchboardConfiguration.parse(yaml).configuration
        let engine = try Switchboard(
            configuration: configuration, environment: environment, logger: quiet, metricsFactory: metrics.factory)
        let settings = GatewaySettings(host: "127.0.0.1", port: 0, clientTokens: [])
        let gateway = Gateway(engine: engine, settings: settings, logger: quiet, metrics: metrics, usage: recorder)
        let writer = Task { await recorder.run() }
        try await buildApplication(gateway: gateway).test(.live) { client in try await body(client) }
        writer.cancel()
        await writer.value  // the writer flushes what is left when it stops
        try await engine.shutdown()
    }

    @Test func answersFailoversAndRefusalsAreRecordedUnderTheReturnedID() async throws {
        let upstream = try await MockUpstream { request in
            request.path.hasPrefix("/primary") ? .status(429, headers: [("retry-after", "30")]) : .chat("from secondary")
        }
        let path = Self.temporaryDatabase()
        let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(50))
        let ids = IDBox()
        try await Self.withRecordingGateway(
            GatewayTests.chain(upstream), recorder: recorder, environment: ["MAIN_KEY": "usage-key-value"]
        ) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [Self.requestID: "client-chosen-id"],
                body: GatewayTests.chatBody(model: "chat")
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[Self.requestID] == "client-chosen-id")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: GatewayTests.chatBody(model: "chat", stream: true)) {
                response in
                #expect(response.status == .ok)
                ids.append(try #require(response.headers[Self.requestID]))
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: GatewayTests.chatBody(model: "nope")) {
                response in
                #expect(response.status == .notFound)
                ids.append(try #require(response.headers[Self.requestID]))
            }
        }
        let store = try UsageStore.openExisting(path: path)
        let requests = try store.requests()
        #expect(requests.count == 3)
        let first = try #require(requests.first { $0.requestID == "client-chosen-id" })
        #expect(first.outcome == UsageRequestRecord.success && first.status == 200)
        #expect(first.route == "chat" && first.provider == "secondary" && first.model == "secondary-model")
        // The 429 on the primary is an attempt; the cooled key is skipped on the next request.
        #expect(first.attempts == 2 && first.failovers == 1 && !first.streaming)
        let streamed = try #require(requests.first { $0.requestID == ids.values.first })
        #expect(streamed.streaming && streamed.outcome == UsageRequestRecord.success && streamed.provider == "secondary")
        // The primary's key was cooling: skipped without a call, so secondary was the first target it could use.
        #expect(streamed.failovers == 0 && streamed.attempts == 1)
        let refused = try #require(requests.first { $0.requestID == ids.values.last })
        #expect(refused.outcome == "model_not_found" && refused.status == 404 && refused.attempts == 0)
        // The name the client sent is not a route: it never becomes a row of the report.
        #expect(refused.route == "")
        let routes = try store.report(since: .distantPast, by: .route).groups.map(\.name)
        #expect(routes.sorted() == ["(none)", "chat"], "\(routes)")

        let attempts = try store.attempts().filter { $0.requestID == "client-chosen-id" }
        #expect(attempts.map(\.outcome) == ["rate_limited", UsageAttemptRecord.success])
        #expect(attempts.first?.keyLabel == "main#1" && attempts.first?.upstreamStatus == 429)
        // Only labels reach the store, never the key.
        let everything = try store.attempts().map { "\($0)" }.joined() + requests.map { "\($0)" }.joined()
        #expect(!everything.contains("usage-key-value"))
        try store.close()
        try await upstream.shutdown()
    }

    @Test func targetsThatCannotServeARequestAreRecordedAsSkipsNotCallsOrFailovers() async throws {
        let upstream = try await MockUpstream { _ in .chat("a cat") }
        let yaml = """
            version: 1
            providers:
              text-only: { adapter: openai-chat, base_url: \(upstream.url("/text/v1")), supports: [text] }
              full: { adapter: openai-chat, base_url: \(upstream.url("/full/v1")) }
              offline: { adapter: template, options: { templates: { text: 'offline: {{prompt}}' } } }
            routes:
              chat:
                - { provider: text-only, model: small, priority: 1 }
                - { provider: full, model: large, priority: 2 }
              text-only:
                - { provider: text-only, model: small, priority: 1 }
                - { provider: offline, priority: 2 }
            """
        let image = #"{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}"#
        let path = Self.temporaryDatabase()
        let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(50))
        try await Self.withRecordingGateway(yaml, recorder: recorder) { client in
            for (model, id, status) in [("chat", "vision-served", HTTPResponse.Status.ok), ("text-only", "vision-refused", .badRequest)] {
                let body = #"{"model":"\#(model)","messages":[{"role":"user","content":[\#(image)]}]}"#
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: [Self.requestID: id], body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status)
                }
            }
        }
        let store = try UsageStore.openExisting(path: path)
        let served = try #require(try store.requests().first { $0.requestID == "vision-served" })
        #expect(served.provider == "full" && served.attempts == 1 && served.failovers == 0)
        #expect(try store.attempts().filter { $0.requestID == "vision-served" }.map(\.outcome)
                == [UsageAttemptRecord.unsupported, UsageAttemptRecord.success])
        let refused = try #require(try store.requests().first { $0.requestID == "vision-refused" })
        #expect(refused.status == 400 && refused.outcome == "unsupportedCapability" && refused.attempts == 0)
        #expect(try store.attempts().filter { $0.requestID == "vision-refused" }.map(\.outcome)
                == [UsageAttemptRecord.unsupported, UsageAttemptRecord.unsupported])
        #expect(upstream.requests.map(\.path) == ["/full/v1/chat/completions"])
        try store.close()
        try await upstream.shutdown()
    }

    @Test func aRequestTheProviderLimitsRefuseIsRecordedAsOverloaded() async throws {
        let gate = MockUpstream.MockGate()
        let upstream = try await MockUpstream { _ in
            var reply = MockUpstream.Reply.chat("held")
            reply.gate = gate
            return reply
        }
        let yaml = ProviderLimitsGatewayTests.yaml(primary: upstream, fallback: nil, limits: "{ max_in_flight: 1 }")
        let path = Self.temporaryDatabase()
        let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(50))
        try await Self.withRecordingGateway(yaml, recorder: recorder) { client in
            // The test client has one connection: the held request goes on a connection of its own.
            let port = try #require(client.port)
            let held = Task {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(GatewayTests.chatBody(model: "chat"))
                return try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code
            }
            #expect(await gate.waitForHeld(1) == 1)
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [Self.requestID: "overloaded-id"],
                body: GatewayTests.chatBody(model: "chat")
            ) { response in
                #expect(response.status == .tooManyRequests)
            }
            gate.open()
            #expect(try await held.value == 200)
        }
        let store = try UsageStore.openExisting(path: path)
        let refused = try #require(try store.requests().first { $0.requestID == "overloaded-id" })
        #expect(refused.outcome == "overloaded" && refused.status == 429 && refused.attempts == 0)
        let attempts = try store.attempts().filter { $0.requestID == "overloaded-id" }
        #expect(attempts.map(\.outcome) == ["queue_full"])
        try store.close()
        try await upstream.shutdown()
    }

    @Test func aGracefulRestartInTheMiddleOfTrafficLosesNoRecord() async throws {
        let path = Self.temporaryDatabase()
        let answered = AnswerCount()
        for _ in 0..<2 {
            // Each round: a new recorder and gateway on the same file, traffic from several clients, then
            // a graceful stop while the last requests are being recorded.
            let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(20), batchSize: 7)
            try await Self.withRecordingGateway(GatewayTests.templateOnly, recorder: recorder) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            for _ in 0..<15 {
                                try await client.execute(
                                    uri: "/v1/chat/completions", method: .post, body: GatewayTests.chatBody()
                                ) { response in
                                    if response.status == .ok { answered.increment() }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(recorder.counters.dropped == 0)
        }
        let store = try UsageStore.openExisting(path: path)
        #expect(answered.value == 120)
        #expect(try store.requestCount() == answered.value)
        try store.close()
    }
}

private final class IDBox: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    func append(_ id: String) { lock.withLock { ids.append(id) } }
    var values: [String] { lock.withLock { ids } }
}

private final class AnswerCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
