import SwitchboardConfig
import Testing

/// One mistake, one error: what follows from an error already reported is not reported again.
struct CascadeTests {
    static func findings(_ yaml: String) -> [String] {
        Linter().lint(Array(yaml.utf8), file: "cascade.yaml").diagnostics.map {
            "\($0.location) \($0.severity) \($0.rule.rawValue)"
        }
    }

    @Test func aTypoInTheProvidersKeyIsOneError() {
        let yaml = """
            version: 1
            key_pools:
              openai: [OPENAI_API_KEY]
              hf: [HF_TOKEN]
            provider:
              openai: { adapter: openai-chat, base_url: "https://api.openai.com/v1", key_pool: openai }
              hf: { adapter: openai-chat, base_url: "https://router.huggingface.co/v1", key_pool: hf }
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat:
                - { provider: openai, model: gpt-4o-mini, priority: 1 }
                - { provider: hf, model: zephyr, priority: 2 }
                - { provider: offline, priority: 3 }
              summarize:
                - { provider: hf, model: bart, priority: 1 }
                - { provider: offline, priority: 2 }
            """
        #expect(Self.findings(yaml) == ["5:1 error unknown-field"])
        let message = Linter().lint(Array(yaml.utf8), file: "cascade.yaml").diagnostics.first?.message
        #expect(message?.contains("did you mean 'providers'") == true)
    }

    @Test func routesWithoutAnyProvidersSectionAreOneError() {
        let yaml = """
            version: 1
            routes:
              chat: [{ provider: openai, model: gpt-4o-mini, priority: 1 }, { provider: offline, priority: 2 }]
            """
        #expect(Self.findings(yaml) == ["3:3 error missing-field"])
    }

    @Test func aProviderMissingItsAdapterIsNotAlsoUndeclaredNorItsPoolUnused() {
        let yaml = """
            version: 1
            key_pools:
              openai: [OPENAI_API_KEY]
            providers:
              openai: { base_url: "https://api.openai.com/v1", key_pool: openai }
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat:
                - { provider: openai, model: gpt-4o-mini, priority: 1 }
                - { provider: offline, priority: 2 }
            """
        #expect(Self.findings(yaml) == ["5:3 error missing-field"])
    }

    @Test func aTargetWithABadPriorityDoesNotMakeItsProviderUnused() {
        let yaml = """
            version: 1
            providers:
              local: { adapter: openai-chat, base_url: "http://127.0.0.1:8000/v1" }
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat:
                - { provider: local, model: llama, priority: first }
                - { provider: offline, priority: 2 }
            """
        #expect(Self.findings(yaml) == ["7:50 error wrong-type"])
    }

    @Test func aRouteWhoseTargetsAreAllInvalidIsNotAlsoEmpty() {
        let yaml = """
            version: 1
            providers:
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat:
                - { provider: offline, priority: -1 }
                - { provider: offline }
            """
        #expect(Self.findings(yaml) == ["6:38 error invalid-value", "7:7 error missing-field"])
    }

    @Test func aRouteThatIsReallyEmptyIsStillReported() {
        let yaml = """
            version: 1
            providers:
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat: []
              text: [{ provider: offline, priority: 1 }]
            """
        #expect(Self.findings(yaml) == ["5:3 error empty-route"])
    }

    @Test func aProviderNoRouteNamesIsStillUnused() {
        let yaml = """
            version: 1
            providers:
              spare: { adapter: openai-chat, base_url: "http://127.0.0.1:8000/v1" }
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat: [{ provider: offline, priority: 1 }]
            """
        #expect(Self.findings(yaml) == ["3:3 warning unused-provider"])
    }
}
