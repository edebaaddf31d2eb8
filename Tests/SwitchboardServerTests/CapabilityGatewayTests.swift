import Foundation
import Logging
import Switchboard
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Capability routing through the live gateway: what an HTTP client sees when a request needs more than
/// some or all targets of its route can serve, and what `/metrics` counts.
struct CapabilityGatewayTests {
    static let weatherTool = #"{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}"#

    @Test func aToolsRequestOnTextOnlyTargetsIsAnOpenAIShaped400WithoutAnUpstreamCall() async throws {
        let task = try await MockUpstream { _ in .json(#"[{"generated_text":"x"}]"#) }
        let yaml = """
            version: 1
            key_pools: { hf: [HF_KEY] }
            providers:
              hf: { adapter: hf-inference, base_url: \(task.url("/models")), key_pool: hf }
              offline: { adapter: template, options: { templates: { text: 'offline: {{prompt}}' } } }
            routes:
              chat:
                - { provider: hf, model: gpt2, priority: 1 }
                - { provider: offline, priority: 2 }
            """
        let body = #"{"model":"chat","messages":[{"role":"user","content":"weather?"}],"tools":[\#(Self.weatherTool)]}"#
        try await LiveGateway.run(yaml, environment: ["HF_KEY": "hf-test-key"], logger: LogStore().logger()) { gateway in
            for stream in [false, true] {
                let streamed = body.replacingOccurrences(of: #""model":"chat""#, with: #""model":"chat","stream":\#(stream)"#)
                let reply = try await gateway.send(body: streamed)
                #expect(reply.status == 400)
                #expect(reply.header("x-switchboard-route") == "chat")
                #expect(reply.header("x-switchboard-attempts") == "0")
                let json = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]
                let error = try #require(json?["error"] as? [String: Any])
                #expect(error["code"] as? String == "unsupported_capability")
                #expect(error["type"] as? String == "invalid_request_error")
                let message = try #require(error["message"] as? String)
                #expect(message.contains("(tools)") && message.contains("hf [gpt2] supports text"), "\(message)")
            }
            let metrics = try await gateway.send(.GET, "/metrics").body
            let skips = metrics.split(separator: "\n").filter { $0.hasPrefix("switchboard_capability_skips_total{") }
            // Each request passed over both targets, once per capability it lacked.
            for provider in ["hf", "offline"] {
                let line = skips.first { $0.contains(#"provider="\#(provider)""#) && $0.contains(#"capability="tools""#) }
                #expect(line?.hasSuffix(" 2") == true, "\(skips)")
            }
        }
        #expect(task.requests.isEmpty)
        try await task.shutdown()
    }

    @Test func aVisionRequestIsServedByTheNextTargetAndTheSkipIsCounted() async throws {
        let upstream = try await MockUpstream { request in
            .chat(request.path.hasPrefix("/full") ? "a cat" : "text answer")
        }
        let yaml = """
            version: 1
            providers:
              text-only: { adapter: openai-chat, base_url: \(upstream.url("/text/v1")), supports: [text] }
              full: { adapter: openai-chat, base_url: \(upstream.url("/full/v1")) }
            routes:
              chat:
                - { provider: text-only, model: small, priority: 1 }
                - { provider: full, model: large, priority: 2 }
            """
        let image = #"{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}}"#
        let body = #"{"model":"chat","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},\#(image)]}]}"#
        try await LiveGateway.run(yaml, logger: LogStore().logger()) { gateway in
            let reply = try await gateway.send(body: body)
            #expect(reply.status == 200)
            #expect(reply.header("x-switchboard-provider") == "full")
            #expect(reply.body.contains(#""content":"a cat""#))
            let metrics = try await gateway.send(.GET, "/metrics").body
            #expect(metrics.contains(
                #"switchboard_capability_skips_total{route="chat",provider="text-only",model="small",capability="vision"} 1"#),
                "\(metrics.split(separator: "\n").filter { $0.contains("capability") })")
        }
        #expect(upstream.requests.map(\.path) == ["/full/v1/chat/completions"])
        #expect(upstream.requests.first?.body.contains(image) == true)
        try await upstream.shutdown()
    }
}
