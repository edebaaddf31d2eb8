import SwitchboardConfig
import Testing

/// Mistakes operators make that the file's shape allows: caught by the linter with a located message.
struct CommonMistakeTests {
    static let route = """
        routes:
          chat: [{ provider: openai, model: gpt-4o-mini, priority: 1 }]
        """

    /// The diagnostics, without the warning every remote provider without a key pool gets here.
    static func lint(_ yaml: String) -> [Diagnostic] {
        Linter().lint(Array(yaml.utf8), file: "mistake.yaml").diagnostics.filter { $0.rule != .missingKeyPool }
    }

    @Test func aBaseURLThatAlreadyEndsInTheChatPathIsAnError() {
        for base in ["https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1/chat/completions/"] {
            let diagnostics = Self.lint("""
                version: 1
                providers:
                  openai: { adapter: openai-chat, base_url: "\(base)" }
                \(Self.route)
                """)
            #expect(diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["3:45 invalid-url"])
            #expect(diagnostics.first?.message.contains("'…/chat/completions/chat/completions'") == true)
            #expect(diagnostics.first?.message.contains("('https://api.openai.com/v1')") == true)
        }
    }

    @Test func aCustomChatPathIsWhatCounts() {
        let custom = Self.lint("""
            version: 1
            providers:
              openai:
                adapter: openai-chat
                base_url: "https://llm.internal/api/generate"
                options: { chat_path: /generate }
            \(Self.route)
            """)
        #expect(custom.map { "\($0.location) \($0.rule.rawValue)" } == ["5:15 invalid-url"])
        // The default path is only a mistake when it is the one appended.
        let fine = Self.lint("""
            version: 1
            providers:
              openai:
                adapter: openai-chat
                base_url: "https://llm.internal/v1/chat/completions"
                options: { chat_path: /generate }
            \(Self.route)
            """)
        #expect(fine.isEmpty)
    }

    @Test func aServerHostWithAPortIsAnError() {
        for (host, column) in [("0.0.0.0:8080", 9), ("\"[::]:8080\"", 9), ("http://0.0.0.0", 9)] {
            let diagnostics = Self.lint("""
                version: 1
                server:
                  host: \(host)
                providers:
                  openai: { adapter: openai-chat, base_url: "https://api.openai.com/v1" }
                \(Self.route)
                """)
            let found = diagnostics.filter { $0.rule == .invalidValue }.map { "\($0.location) \($0.rule.rawValue)" }
            #expect(found == ["3:\(column) invalid-value"], "host \(host)")
        }
    }

    @Test func hostNamesAndAddressesWithoutAPortAreFine() {
        for host in ["0.0.0.0", "127.0.0.1", "\"::\"", "\"::1\"", "gateway.internal", "\"fe80::1\""] {
            let diagnostics = Self.lint("""
                version: 1
                server: { host: \(host) }
                providers:
                  offline: { adapter: template, options: { templates: { text: "x" } } }
                routes:
                  chat: [{ provider: offline, priority: 1 }]
                """)
            #expect(diagnostics.isEmpty, "host \(host)")
        }
    }
}

/// "Did you mean" by meaning and across kinds, not only by spelling.
struct MeaningSuggestionTests {
    static func messages(_ yaml: String) -> [String] {
        Linter().lint(Array(yaml.utf8), file: "meaning.yaml").diagnostics.map(\.message)
    }

    @Test func aKeyPoolNamedByItsVariableSuggestsThePool() {
        let messages = Self.messages("""
            version: 1
            key_pools:
              openai: [OPENAI_API_KEY, VITE_OPENAI_API_KEY]
            providers:
              openai: { adapter: openai-chat, base_url: "https://api.openai.com/v1", key_pool: VITE_OPENAI_API_KEY }
            routes:
              chat: [{ provider: openai, model: gpt-4o-mini, priority: 1 }]
            """)
        #expect(messages.contains { $0.contains("VITE_OPENAI_API_KEY is a variable of key pool 'openai'") })
    }

    @Test func wordsFromOtherGatewaysAndProvidersSuggestOurs() {
        let messages = Self.messages("""
            version: 1
            policies: { deadline: 10s }
            server: { hostname: 0.0.0.0 }
            providers:
              local: { adapter: openai-chat, base_url: "http://127.0.0.1:8000/v1" }
              spare: { adapter: openai, base_url: "http://127.0.0.1:8001/v1" }
              offline: { adapter: template, options: { templates: { text: "x" } } }
            error_rules:
              - { class: busy, match: { status: [503] }, action: next_provider }
            routes:
              chat:
                - { provider: local, model: llama, priority: 1, parameters: { max_new_tokens: 200 } }
                - { provider: spare, model: llama, priority: 2 }
                - { provider: offline, priority: 3 }
            """)
        for hint in ["'policy'", "'host'", "'openai-chat'", "'next_target'", "'max_tokens'"] {
            #expect(messages.contains { $0.contains("did you mean \(hint)") }, "no hint \(hint) in \(messages)")
        }
    }
}

/// Hugging Face's two APIs, mixed up.
struct HuggingFaceMistakeTests {
    static func lint(_ yaml: String) -> [String] {
        Linter().lint(Array(yaml.utf8), file: "hf.yaml").diagnostics
            .filter { $0.rule != .missingKeyPool }
            .map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
    }

    @Test func theRouterWithoutV1IsAWarning() {
        #expect(Self.lint("""
            version: 1
            providers:
              router: { adapter: openai-chat, base_url: "https://router.huggingface.co" }
            routes:
              chat: [{ provider: router, model: "HuggingFaceH4/zephyr-7b-beta:featherless-ai", priority: 1 }]
            """) == ["3:45 warning invalid-url"])
        #expect(Self.lint("""
            version: 1
            providers:
              router: { adapter: openai-chat, base_url: "https://router.huggingface.co/v1" }
            routes:
              chat: [{ provider: router, model: "HuggingFaceH4/zephyr-7b-beta:featherless-ai", priority: 1 }]
            """).isEmpty)
    }

    @Test func aRouterModelIdOnTheTaskAPIIsAWarning() {
        #expect(Self.lint("""
            version: 1
            providers:
              hf: { adapter: hf-inference, base_url: "https://router.huggingface.co/hf-inference/models" }
            routes:
              chat: [{ provider: hf, model: "HuggingFaceH4/zephyr-7b-beta:featherless-ai", priority: 1 }]
            """) == ["5:33 warning invalid-value"])
    }
}
