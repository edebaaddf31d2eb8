import Foundation
import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// What each built-in adapter sends upstream and how it reads the answer.
@Suite struct AdapterTests {
    @Test func openAIChatSendsTheModelMessagesCappedTokensAndKey() async throws {
        let upstream = try await MockUpstream { _ in .chat("answer") }
        defer { upstream.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { main: [MAIN_KEY] }
            providers:
              router:
                adapter: openai-chat
                base_url: \(upstream.url("/v1/"))
                key_pool: main
                headers: { X-Title: switchboard-tests }
            routes:
              chat:
                - { provider: router, model: "HuggingFaceH4/zephyr-7b-beta:featherless-ai", priority: 1, parameters: { max_tokens: 100, temperature: 0.2 } }
            """
        try await EngineHarness.withEngine(yaml, environment: ["MAIN_KEY": "sk-test-main"]) { engine in
            let request = ChatRequest(messages: [.system("be brief"), .user("hello")], maxTokens: 500, stop: ["\n\n"])
            let answer = try await engine.complete(request, route: "chat")
            #expect(answer.text == "answer")
            #expect(answer.usage == Usage(promptTokens: 5, completionTokens: 7, totalTokens: 12))
            #expect(answer.model == "HuggingFaceH4/zephyr-7b-beta:featherless-ai")
            #expect(answer.finishReason == .stop)
        }
        let sent = try #require(upstream.requests.first)
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.authorization == "Bearer sk-test-main")
        #expect(sent.headers["x-title"] == "switchboard-tests")
        let json = sent.json
        #expect(json["model"] as? String == "HuggingFaceH4/zephyr-7b-beta:featherless-ai")
        #expect(json["max_tokens"] as? Int == 100)  // the target's cap wins over the request's 500
        #expect(json["temperature"] as? Double == 0.2)  // the target's default fills the gap
        #expect(json["stop"] as? [String] == ["\n\n"])
        #expect(json["stream"] as? Bool == false)
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(messages == [["role": "system", "content": "be brief"], ["role": "user", "content": "hello"]])
    }

    @Test func huggingFaceTaskAPISendsInputsAndParametersAndReadsGeneratedText() async throws {
        let upstream = try await MockUpstream { request in
            request.path.hasSuffix("bart-large-cnn")
                ? .json(#"[{"summary_text":"A short summary."}]"#)
                : .json(#"[{"generated_text":"Generated answer."}]"#)
        }
        defer { upstream.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { hf: { env: [HF_API_KEY], prefix: hf_ } }
            providers:
              inference:
                adapter: hf-inference
                base_url: \(upstream.url("/hf-inference/models"))
                key_pool: hf
                options: { wait_for_model: true }
            routes:
              text-generation:
                - { provider: inference, model: HuggingFaceH4/zephyr-7b-beta, priority: 1, parameters: { task: text-generation } }
              summarization:
                - { provider: inference, model: facebook/bart-large-cnn, priority: 1, parameters: { task: summarization } }
            """
        try await EngineHarness.withEngine(yaml, environment: ["HF_API_KEY": "hf_test_key_value"]) { engine in
            let text = try await engine.generateText("Write a haiku", route: "text-generation", maxTokens: 64, temperature: 0.7)
            #expect(text == "Generated answer.")
            let summary = try await engine.complete(
                ChatRequest(messages: [.user("A long article …")], maxTokens: 120), route: "summarization")
            #expect(summary.text == "A short summary.")
        }
        let generation = try #require(upstream.requests.first)
        #expect(generation.path == "/hf-inference/models/HuggingFaceH4/zephyr-7b-beta")
        #expect(generation.authorization == "Bearer hf_test_key_value")
        #expect(generation.headers["x-wait-for-model"] == "true")
        #expect(generation.json["inputs"] as? String == "Write a haiku")
        let parameters = try #require(generation.json["parameters"] as? [String: Any])
        #expect(parameters["max_new_tokens"] as? Int == 64)
        #expect(parameters["temperature"] as? Double == 0.7)
        #expect(parameters["return_full_text"] as? Bool == false)
        let summarization = try #require(upstream.requests.last)
        #expect(summarization.json["inputs"] as? String == "A long article …")
        #expect((summarization.json["parameters"] as? [String: Any])?["max_length"] as? Int == 120)
    }

    @Test func huggingFaceLoadingEstimateLengthensTheCooldown() async throws {
        let upstream = try await MockUpstream { _ in
            .status(503, #"{"error":"Model HuggingFaceH4/zephyr-7b-beta is currently loading","estimated_time":45.5}"#)
        }
        defer { upstream.syncShutdown() }
        let yaml = """
            version: 1
            key_pools: { hf: [HF_API_KEY] }
            providers:
              inference: { adapter: hf-inference, base_url: \(upstream.url("/models")), key_pool: hf }
              offline: { adapter: template, options: { templates: { text: "offline" } } }
            routes:
              text-generation:
                - { provider: inference, model: HuggingFaceH4/zephyr-7b-beta, priority: 1 }
                - { provider: offline, priority: 2 }
            """
        try await EngineHarness.withEngine(yaml, environment: ["HF_API_KEY": "hf_key_for_tests"]) { engine in
            let first = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "text-generation")
            #expect(first.trace.entries[0].message.contains("model loading, about 46s"))
            let second = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "text-generation")
            // The default rule cools 503s for 20 s; the estimate (45.5 s) is longer and wins.
            let skip = try #require(second.trace.entries.first)
            #expect(skip.outcome == .skipped)
            #expect(skip.message.contains("cooling 4"))
        }
        #expect(upstream.requests.count == 1)
    }

    @Test func chatMessagesAreFlattenedIntoOnePromptForTheTaskAPI() {
        let messages: [ChatMessage] = [.system("You are terse."), .user("Hi"), .assistant("Hello."), .user("Name a colour.")]
        #expect(HuggingFaceInferenceAdapter.prompt(for: messages, task: .textGeneration) == """
            You are terse.

            User: Hi
            Assistant: Hello.
            User: Name a colour.
            Assistant:
            """)
        #expect(HuggingFaceInferenceAdapter.prompt(for: messages, task: .summarization) == "Name a colour.")
        #expect(HuggingFaceInferenceAdapter.prompt(for: [.user("just this")], task: .textGeneration) == "just this")
    }

    @Test func templateRendersRequestVariablesDeterministicallyWithoutEscaping() async throws {
        let yaml = """
            version: 1
            providers:
              offline:
                adapter: template
                options:
                  default_template: course
                  templates:
                    course: "Course on {{topic}}: {{prompt}}"
                    plain: "{{prompt}}"
            routes:
              chat: [{ provider: offline, priority: 1 }]
              plain: [{ provider: offline, priority: 1, parameters: { template: plain } }]
            """
        try await EngineHarness.withEngine(yaml) { engine in
            var request = ChatRequest(messages: [.user("Tom & Jerry <3>")])
            request.variables["topic"] = "Swift"
            let first = try await engine.complete(request, route: "chat")
            let second = try await engine.complete(request, route: "chat")
            #expect(first.text == "Course on Swift: Tom & Jerry <3>")
            #expect(second.text == first.text)
            #expect(first.model == "offline")  // a model-less target reports its provider
            #expect(try await engine.complete(request, route: "plain").text == "Tom & Jerry <3>")
        }
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() async throws {
        let date = Date(timeIntervalSinceNow: 90)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let httpDate = formatter.string(from: date)
        let upstream = try await MockUpstream { request in
            request.authorization == "Bearer first-key"
                ? .status(429, headers: [("retry-after", httpDate)])
                : .status(429, headers: [("retry-after", "120")])
        }
        defer { upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("limited", upstream.url("/v1"), ["K1", "K2"])], withTemplate: false)
        try await EngineHarness.withEngine(yaml, environment: ["K1": "first-key", "K2": "second-key"]) { engine in
            let error = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            #expect(error?.kind == .rateLimited)
            // The shortest wait asked for: the HTTP date, about 90 s away.
            let seconds = error?.retryAfter?.components.seconds ?? 0
            #expect((80...91).contains(seconds))
            let later = await #expect(throws: SwitchboardError.self) {
                _ = try await engine.complete(ChatRequest(messages: [.user("x")]), route: "chat")
            }
            #expect(later?.kind == .rateLimited)
            #expect(later?.trace.attempts == 0)
            #expect(later?.trace.entries.first?.message.contains("limited-keys#1 cooling") == true)
        }
        #expect(upstream.requests.count == 2)
    }
}
