import Logging
import MetricsTestKit
import Switchboard
import SwitchboardConfig
import Testing

/// Builds engines from inline YAML for tests, quietly, and shuts them down afterwards.
enum EngineHarness {
    static let quietLogger = Logger(label: "switchboard-tests") { _ in SwiftLogNoOpLogHandler() }

    static func configuration(_ yaml: String, registry: AdapterRegistry = .builtIn) throws -> SwitchboardConfiguration {
        try SwitchboardConfiguration.parse(yaml, file: "test.yaml", catalog: registry.catalog).configuration
    }

    /// Runs `body` with an engine for `yaml` and `environment`, then shuts the engine down.
    static func withEngine<T>(
        _ yaml: String, environment: [String: String] = [:], registry: AdapterRegistry = .builtIn,
        metrics: TestMetrics = TestMetrics(), clock: (any EngineClock)? = nil, _ body: (Switchboard) async throws -> T
    ) async throws -> T {
        let engine = try Switchboard(
            configuration: configuration(yaml, registry: registry), registry: registry, environment: environment,
            logger: quietLogger, metricsFactory: metrics, clock: clock)
        do {
            let result = try await body(engine)
            try await engine.shutdown()
            return result
        } catch {
            try? await engine.shutdown()
            throw error
        }
    }

    /// A YAML document with one OpenAI-compatible provider per mock, each with its own key pool
    /// (`pool: [KEY_A, KEY_B, …]`), chained in order, then optionally the offline template.
    static func chain(
        _ providers: [(name: String, url: String, keys: [String])], withTemplate: Bool = true,
        policy: String = "{ deadline: 20s, attempt_timeout: 10s, max_attempts: 20, backoff: { initial: 10ms, max: 50ms } }",
        rules: String = ""
    ) -> String {
        var yaml = "version: 1\nkey_pools:\n"
        for provider in providers where !provider.keys.isEmpty {
            yaml += "  \(provider.name)-keys: [\(provider.keys.joined(separator: ", "))]\n"
        }
        yaml += "providers:\n"
        for provider in providers {
            yaml += "  \(provider.name):\n    adapter: openai-chat\n    base_url: \(provider.url)\n"
            if !provider.keys.isEmpty { yaml += "    key_pool: \(provider.name)-keys\n" }
        }
        if withTemplate {
            yaml += "  offline:\n    adapter: template\n    options: { templates: { text: 'offline: {{prompt}}' } }\n"
        }
        yaml += "policy: \(policy)\nroutes:\n  chat:\n    targets:\n"
        for (index, provider) in providers.enumerated() {
            yaml += "      - { provider: \(provider.name), model: model-\(provider.name), priority: \(index + 1) }\n"
        }
        if withTemplate { yaml += "      - { provider: offline, priority: \(providers.count + 1) }\n" }
        if !rules.isEmpty { yaml += "error_rules:\n\(rules)\n" }
        return yaml
    }
}
