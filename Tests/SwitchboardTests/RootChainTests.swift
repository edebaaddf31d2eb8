import Foundation
import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// The whole chain of the root providers.yaml, with loopback stand-ins for OpenAI, the Hugging Face
/// router, the Hugging Face task API and Bytez.
@Suite struct RootChainTests {
    static let routerKey = "hf_router_test_key_aaaaaaaa"
    static let inferenceKey = "hf_router_test_key_bbbbbbbb"

    /// The root file with every `https://` base URL pointed at `upstream`.
    static func overlay(_ upstream: MockUpstream) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "providers.yaml")
        var yaml = try String(contentsOf: root, encoding: .utf8)
        let replacements = [
            ("https://api.openai.com/v1", upstream.url("/openai/v1")),
            ("https://router.huggingface.co/v1", upstream.url("/router/v1")),
            ("https://router.huggingface.co/hf-inference/models", upstream.url("/hf/models")),
            ("https://api.bytez.com/models/v2/openai/v1", upstream.url("/bytez/v1")),
        ]
        for (real, mock) in replacements {
            #expect(yaml.contains(real), "providers.yaml no longer names \(real)")
            yaml = yaml.replacingOccurrences(of: real, with: mock)
        }
        // Only comments may still name real hosts.
        let liveLines = yaml.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        #expect(!liveLines.contains { $0.contains("https://") })
        return yaml
    }

    static func responder(_ request: MockUpstream.Request) -> MockUpstream.Reply {
        switch request.path {
        case let path where path.hasPrefix("/openai/"):
            return .status(429, #"{"error":{"message":"Rate limit reached"}}"#, headers: [("retry-after", "60")])
        case let path where path.hasPrefix("/router/"):
            return request.authorization == "Bearer \(routerKey)" ? .status(401) : .status(503)
        case "/hf/models/OpenAssistant/oasst-sft-7-llama-2-13b":
            return .status(503, #"{"error":"Model is currently loading","estimated_time":30}"#)
        case "/hf/models/HuggingFaceH4/zephyr-7b-beta":
            return .status(500, "<html><body>Internal Server Error</body></html>")
        case "/hf/models/facebook/bart-large-cnn":
            return .json(#"{"unexpected":"shape"}"#)
        case let path where path.hasPrefix("/bytez/"):
            return .chat("answer from Bytez", model: "Qwen/Qwen3-4B")
        default:
            return .status(404)
        }
    }

    static let environment = [
        "OPENAI_API_KEY": "sk-test-openai-one", "VITE_OPENAI_API_KEY": "sk-test-openai-two",
        "VITE_HUGGINGFACE_API_KEY": routerKey, "HF_API_KEY": inferenceKey,
        "VITE_HF_API_KEY": "your_huggingface_api_key_here", "BYTEZ_API_KEY": "bytez-test-key",
    ]

    @Test func theWholeChainFailsOverToBytezAndRemembersWhatFailed() async throws {
        let upstream = try await MockUpstream(responder: Self.responder)
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(try Self.overlay(upstream), environment: Self.environment) { engine in
            #expect(engine.startupNotes.contains { $0.contains("huggingface#3 (VITE_HF_API_KEY) holds a placeholder") })
            let first = try await engine.complete(ChatRequest(messages: [.user("Explain failover")]), route: "text-generation")
            #expect(first.text == "answer from Bytez")
            #expect(first.provider == "bytez")
            #expect(first.model == "Qwen/Qwen3-4B")
            let steps = first.trace.entries.map { "\($0.provider) \($0.key ?? "-") \($0.outcome)" }
            #expect(steps == [
                "openai openai#1 failure(errorClass: \"rate_limited\", status: Optional(429))",
                "openai openai#2 failure(errorClass: \"rate_limited\", status: Optional(429))",
                "huggingface-router huggingface#1 failure(errorClass: \"unauthorized\", status: Optional(401))",
                "huggingface-router huggingface#5 failure(errorClass: \"unavailable\", status: Optional(503))",
                "huggingface-inference huggingface#5 failure(errorClass: \"model_loading\", status: Optional(503))",
                "huggingface-inference huggingface#5 failure(errorClass: \"server_error\", status: Optional(500))",
                "huggingface-inference huggingface#5 failure(errorClass: \"malformed_response\", status: nil)",
                "bytez bytez#1 success",
            ])
            #expect(first.trace.entries[0].description.hasPrefix("Trying openai [gpt-3.5-turbo] key 1/2 (openai#1) … rate limited (429) → next key"))

            // Second request: the cooled and disabled keys cost no call at all.
            let before = upstream.requests.count
            let second = try await engine.complete(ChatRequest(messages: [.user("Again")]), route: "text-generation")
            #expect(second.provider == "bytez")
            let calls = upstream.requests[before...].map(\.path)
            #expect(calls == [
                "/hf/models/HuggingFaceH4/zephyr-7b-beta", "/hf/models/facebook/bart-large-cnn", "/bytez/v1/chat/completions",
            ])
            let skipped = second.trace.entries.filter { $0.outcome == .skipped }.map(\.provider)
            #expect(skipped == ["openai", "huggingface-router", "huggingface-inference"])
        }
        // The client never sent an Authorization header of its own; each upstream got only its pool's key.
        for request in upstream.requests {
            let key = request.authorization ?? ""
            if request.path.hasPrefix("/openai/") { #expect(key.hasPrefix("Bearer sk-test-openai")) }
            if request.path.hasPrefix("/router/") || request.path.hasPrefix("/hf/") { #expect(key.hasPrefix("Bearer hf_router_test_key")) }
            if request.path.hasPrefix("/bytez/") { #expect(key == "Bearer bytez-test-key") }
        }
    }

    @Test func withNoKeysAtAllTheTemplateAnswers() async throws {
        let upstream = try await MockUpstream(responder: Self.responder)
        defer { upstream.syncShutdown() }
        try await EngineHarness.withEngine(try Self.overlay(upstream), environment: [:]) { engine in
            let notes = engine.startupNotes.joined(separator: "\n")
            #expect(notes.contains("No HuggingFace API keys available: set one of VITE_HUGGINGFACE_API_KEY, VITE_HUGGINGFACE_API_KEY_2, VITE_HF_API_KEY, VITE_HF_API_KEY_2, HF_API_KEY, HUGGINGFACE_API_KEY"))
            #expect(notes.contains("No OpenAI API keys available"))
            let answer = try await engine.complete(ChatRequest(messages: [.user("Teach me Swift")]), route: "text-generation")
            #expect(answer.provider == "offline")
            #expect(answer.text.contains("Teach me Swift"))
            #expect(answer.trace.attempts == 1)  // the template's own; every provider was skipped without a call
            let summary = try await engine.complete(ChatRequest(messages: [.user("Long text")]), route: "summarization")
            #expect(summary.text.hasPrefix("Summary (offline)"))
        }
        #expect(upstream.requests.isEmpty)
    }
}
