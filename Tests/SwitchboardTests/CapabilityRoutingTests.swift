import MetricsTestKit
import Switchboard
import SwitchboardConfig
import SwitchboardJSON
import SwitchboardTestSupport
import Testing

/// Targets that cannot serve what a request needs are passed over without a call; when none can, the
/// request is refused, never downgraded.
@Suite struct CapabilityRoutingTests {
    static let image = ChatMessage.user([.text("What is in this image?"), .imageURL("https://example.com/cat.png")])

    /// `text-only` (an openai-chat provider narrowed to text), then `full`, then optionally the template.
    static func yaml(textOnly: MockUpstream, full: MockUpstream, template: Bool = false) -> String {
        var yaml = """
            version: 1
            providers:
              text-only: { adapter: openai-chat, base_url: \(textOnly.url("/v1")), supports: [text] }
              full: { adapter: openai-chat, base_url: \(full.url("/v1")) }
              offline: { adapter: template, options: { templates: { text: 'offline: {{prompt}}' } } }
            routes:
              chat:
                targets:
                  - { provider: text-only, model: small, priority: 1 }
                  - { provider: full, model: large, priority: 2 }

            """
        if template { yaml += "      - { provider: offline, priority: 3 }\n" }
        return yaml
    }

    static func extra(_ key: String, _ value: JSONValue) -> JSONObject { JSONObject([.init(key: key, value: value)]) }

    static let needCases: [(ChatRequest, Set<Capability>)] = {
        let file = ContentPart.other(extra("type", .string("file")))
        let call = ToolCall(id: "c", name: "f", arguments: "{}")
        let schema = ResponseFormat.jsonSchema(name: "s", schema: .object(JSONObject()))
        let audioOut = extra("modalities", .array([.string("text"), .string("audio")]))
        var cases: [(ChatRequest, Set<Capability>)] = []
        cases.append((ChatRequest(messages: [.user("hi")]), [.text]))
        cases.append((ChatRequest(messages: [image]), [.text, .vision]))
        cases.append((ChatRequest(messages: [.user([.inputAudio(data: "AAAA", format: "wav")])]), [.text, .audio]))
        cases.append((ChatRequest(messages: [.user([file])]), [.text, .files]))
        cases.append((ChatRequest(messages: [.user("x")], tools: [.function(name: "f")]), [.text, .tools]))
        cases.append((ChatRequest(messages: [.user("x")], toolChoice: .string("none")), [.text, .tools]))
        cases.append((ChatRequest(messages: [.user("x"), .assistant(toolCalls: [call]), .tool("sunny", callID: "c")]),
                      [.text, .tools]))
        cases.append((ChatRequest(messages: [.user("x")], responseFormat: .jsonObject), [.text, .jsonObject]))
        cases.append((ChatRequest(messages: [.user("x")], responseFormat: schema), [.text, .jsonSchema]))
        cases.append((ChatRequest(messages: [.user("x")], responseFormat: .text), [.text]))
        cases.append((ChatRequest(messages: [.user("x")], choiceCount: 2), [.text, .multipleChoices]))
        cases.append((ChatRequest(messages: [.user("x")], extraFields: extra("logprobs", .bool(true))), [.text, .logprobs]))
        cases.append((ChatRequest(messages: [.user("x")], extraFields: extra("logprobs", .bool(false))), [.text]))
        cases.append((ChatRequest(messages: [.user("x")], extraFields: extra("functions", .array([]))), [.text, .tools]))
        cases.append((ChatRequest(messages: [.user("x")], extraFields: audioOut), [.text, .audio]))
        cases.append((ChatRequest(messages: [.user("x")], extraFields: extra("seed", .number(7))), [.text]))
        return cases
    }()

    @Test(arguments: needCases)
    func needsFollowFromTheRequest(request: ChatRequest, needs: Set<Capability>) {
        #expect(request.needs == needs)
    }

    @Test func needsOfAnHTTPBodyIncludeItsFieldsOfEveryKind() throws {
        let body = #"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u","detail":"low"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"ok"}],
            "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"},"strict":true}},
            "top_logprobs":2,"n":3,"seed":9007199254740993}
            """#
        let request = try ChatRequest(openAI: JSONObjectBytes(Array(body.utf8)))
        #expect(request.needs == [.text, .vision, .tools, .jsonSchema, .logprobs, .multipleChoices])
        #expect(request.messages[1].toolCalls == [ToolCall(id: "c1", name: "f", arguments: "{}")])
        #expect(request.messages[2].toolCallID == "c1")
        #expect(request.choiceCount == 3)
        #expect(request.extraFields.map(\.key) == ["top_logprobs", "seed"])
    }

    @Test func aVisionRequestSkipsATextOnlyTargetWithoutCallingIt() async throws {
        let textOnly = try await MockUpstream { _ in .chat("text answer") }
        let full = try await MockUpstream { _ in .chat("a cat") }
        defer { textOnly.syncShutdown(); full.syncShutdown() }
        let metrics = TestMetrics()
        try await EngineHarness.withEngine(Self.yaml(textOnly: textOnly, full: full), metrics: metrics) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [Self.image]), route: "chat")
            #expect(answer.text == "a cat")
            #expect(answer.provider == "full")
            #expect(answer.trace.attempts == 1)
            #expect(answer.trace.entries.first?.outcome == .unsupported(missing: [.vision]))
            #expect(answer.trace.entries.first?.description == "Trying text-only [small] … skipped: does not support vision")
            // A text request still goes to the first target.
            #expect(try await engine.complete(ChatRequest(messages: [.user("hi")]), route: "chat").provider == "text-only")
        }
        #expect(textOnly.requests.count == 1)
        #expect(full.requests.count == 1)
        let parts = (full.requests.first?.json["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]]
        #expect(parts?.last?["type"] as? String == "image_url")
        #expect(metrics.counterTotal(label: "switchboard_capability_skips_total", dimensions: [
            ("route", "chat"), ("provider", "text-only"), ("model", "small"), ("capability", "vision"),
        ]) == 1)
        // Passing over a target that could never serve the request is not a failover.
        #expect(metrics.counterTotal(label: "switchboard_failovers_total", dimensions: [("route", "chat")]) == 0)
    }

    @Test func aRequestNoTargetCanServeIsRefusedWithoutAnyCall() async throws {
        let textOnly = try await MockUpstream { _ in .chat("text answer") }
        let task = try await MockUpstream { _ in .json(#"[{"generated_text":"x"}]"#) }
        defer { textOnly.syncShutdown(); task.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { hf: [HF_KEY] }
            providers:
              hf: { adapter: hf-inference, base_url: \(task.url("/models")), key_pool: hf }
              offline: { adapter: template, options: { templates: { text: 'offline: {{prompt}}' } } }
            routes:
              chat:
                targets:
                  - { provider: hf, model: gpt2, priority: 1 }
                  - { provider: offline, priority: 2 }
            """
        let request = ChatRequest(
            messages: [.user("weather?")], tools: [.function(name: "get_weather", parameters: .object(JSONObject()))])
        try await EngineHarness.withEngine(yaml, environment: ["HF_KEY": "hf-test-key"]) { engine in
            do {
                _ = try await engine.complete(request, route: "chat")
                Issue.record("a tools request was answered by text-only targets")
            } catch let error as SwitchboardError {
                #expect(error.kind == .unsupportedCapability)
                #expect(error.message.contains("(tools)"))
                #expect(error.message.contains("hf [gpt2] supports text"))
                #expect(error.trace.entries.count == 2)
                #expect(error.trace.attempts == 0)
            }
            // Streaming is refused the same way.
            await #expect(throws: SwitchboardError.self) { _ = try await engine.stream(request, route: "chat") }
        }
        #expect(task.requests.isEmpty)
    }

    @Test func toolCallsAndEveryChoiceComeBackThroughTheSwiftAPI() async throws {
        let answer = #"""
            {"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"large","choices":[
            {"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
             {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
             {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":"tool_calls"},
            {"index":1,"message":{"role":"assistant","content":"no tools","refusal":null},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}
            """#
        let full = try await MockUpstream { _ in .json(answer) }
        let textOnly = try await MockUpstream { _ in .chat("unused") }
        defer { textOnly.syncShutdown(); full.syncShutdown() }
        let request = ChatRequest(
            messages: [.user("weather in Paris?")],
            tools: [.function(name: "get_weather", description: "Weather by city",
                              parameters: .object(JSONObject([.init(key: "type", value: .string("object"))])), strict: true)],
            toolChoice: .string("auto"), choiceCount: 2,
            extraFields: JSONObject([.init(key: "parallel_tool_calls", value: .bool(true))]))
        try await EngineHarness.withEngine(Self.yaml(textOnly: textOnly, full: full)) { engine in
            let completion = try await engine.complete(request, route: "chat")
            #expect(completion.finishReason == .toolCalls)
            #expect(completion.toolCalls == [
                ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                ToolCall(id: "call_2", name: "get_time", arguments: "{}"),
            ])
            #expect(completion.choices.count == 2)
            #expect(completion.choices[1].message.content == "no tools")
            #expect(completion.usage == Usage(promptTokens: 9, completionTokens: 4))
            #expect(completion.upstreamBody == Array(answer.utf8))
        }
        #expect(textOnly.requests.isEmpty)
        let sent = try #require(full.requests.first?.json)
        #expect(sent["model"] as? String == "large")
        #expect(sent["n"] as? Int == 2)
        #expect(sent["parallel_tool_calls"] as? Bool == true)
        #expect(sent["tool_choice"] as? String == "auto")
        let function = (sent["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any]
        #expect(function?["name"] as? String == "get_weather")
        #expect(function?["strict"] as? Bool == true)
    }

    @Sendable static func event(_ json: String) -> (delay: Duration, text: String) { (.zero, "data: \(json)\n\n") }

    @Test func aStreamedToolCallIsAssembledFromItsPieces() async throws {
        let full = try await MockUpstream { _ in
            .sseRaw([
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#),
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#),
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"#),
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}"#),
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#),
                Self.event(#"{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#),
                (.zero, "data: [DONE]\n\n"),
            ])
        }
        let textOnly = try await MockUpstream { _ in .chat("unused") }
        defer { textOnly.syncShutdown(); full.syncShutdown() }
        try await EngineHarness.withEngine(Self.yaml(textOnly: textOnly, full: full)) { engine in
            let stream = try await engine.stream(
                ChatRequest(messages: [.user("weather?")], tools: [.function(name: "get_weather")]), route: "chat")
            let completion = try await stream.collect()
            #expect(completion.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
            #expect(completion.finishReason == .toolCalls)
            #expect(completion.usage == Usage(promptTokens: 3, completionTokens: 5))
        }
        #expect(full.requests.first?.json["stream_options"] as? [String: Bool] == ["include_usage": true])
    }
}
