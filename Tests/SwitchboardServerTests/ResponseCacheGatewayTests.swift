import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Switchboard
import SwitchboardServer
import SwitchboardTestSupport
import SwitchboardUsage
import Testing

/// The response cache over live HTTP: the `x-switchboard-cache` header and the usage store's `cache_hit`.
@Suite struct ResponseCacheGatewayTests {
    static let cacheHeader = HTTPField.Name("x-switchboard-cache")!

    static func cachedChain(_ upstream: MockUpstream) -> String {
        GatewayTests.chain(upstream).replacingOccurrences(
            of: "  chat:\n", with: "  chat:\n    cache: { ttl: 10m }\n    targets:\n")
            .replacingOccurrences(of: "\n    - {", with: "\n      - {")
    }

    static let zero = #","temperature":0"#

    @Test func answersAreMarkedHitOrMiss() async throws {
        let upstream = try await MockUpstream { request in
            request.wantsStream ? .sse(["streamed"]) : .chat("cached text")
        }
        defer { upstream.syncShutdown() }
        try await GatewayTests.withGateway(Self.cachedChain(upstream), environment: ["MAIN_KEY": "k"]) { client in
            for expected in ["miss", "hit"] {
                try await client.execute(uri: "/v1/chat/completions", method: .post,
                                         body: GatewayTests.chatBody(model: "chat", extra: Self.zero)) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[Self.cacheHeader] == expected)
                    let choice = (GatewayTests.json(response.body)["choices"] as? [[String: Any]])?.first
                    #expect((choice?["message"] as? [String: Any])?["content"] as? String == "cached text")
                    if expected == "hit" { #expect(response.headers[HTTPField.Name("x-switchboard-attempts")!] == "0") }
                }
            }
            // Streamed from the cache: one content event with the whole text, then [DONE].
            try await client.execute(uri: "/v1/chat/completions", method: .post,
                                     body: GatewayTests.chatBody(model: "chat", stream: true, extra: Self.zero)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[Self.cacheHeader] == "hit")
                let text = String(buffer: response.body)
                #expect(text.contains(#""content":"cached text""#))
                #expect(text.hasSuffix("data: [DONE]\n\n"))
            }
            // Not cacheable (temperature 0.7): still a miss, never stored.
            try await client.execute(uri: "/v1/chat/completions", method: .post,
                                     body: GatewayTests.chatBody(model: "chat", extra: #","temperature":0.7"#)) { response in
                #expect(response.headers[Self.cacheHeader] == "miss")
            }
        }
        #expect(upstream.requests.count == 2)
    }

    @Test func routesWithoutACacheHaveNoHeader() async throws {
        try await GatewayTests.withGateway(GatewayTests.templateOnly) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post,
                                     body: GatewayTests.chatBody(extra: Self.zero)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[Self.cacheHeader] == nil)
            }
        }
    }

    @Test func hitsAreRecordedInTheUsageStore() async throws {
        let upstream = try await MockUpstream { _ in .chat("cached text") }
        defer { upstream.syncShutdown() }
        let path = UsageRecordingTests.temporaryDatabase()
        let recorder = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(50))
        try await UsageRecordingTests.withRecordingGateway(
            Self.cachedChain(upstream), recorder: recorder, environment: ["MAIN_KEY": "k"]
        ) { client in
            for id in ["first", "second"] {
                try await client.execute(uri: "/v1/chat/completions", method: .post,
                                         headers: [HTTPField.Name("x-request-id")!: id],
                                         body: GatewayTests.chatBody(model: "chat", extra: Self.zero)) { response in
                    #expect(response.status == .ok)
                }
            }
        }
        let store = try UsageStore.openExisting(path: path)
        let requests = try store.requests()
        let first = try #require(requests.first { $0.requestID == "first" })
        let second = try #require(requests.first { $0.requestID == "second" })
        #expect(!first.cacheHit && first.attempts == 1)
        #expect(second.cacheHit && second.attempts == 0 && second.outcome == UsageRequestRecord.success)
        // Tokens are what the upstream spent: the hit replays the answer and spends none.
        #expect(first.tokensIn == 5 && first.tokensOut == 7)
        #expect(second.tokensIn == 0 && second.tokensOut == 0)
        let byRoute = try store.report(since: .distantPast, by: .route).groups
        #expect(byRoute.first?.tokensIn == 5 && byRoute.first?.tokensOut == 7, "\(byRoute)")
        // The hit names whoever gave the stored answer.
        #expect(second.provider == first.provider && second.model == first.model && second.provider != nil)
        try store.close()
    }
}
