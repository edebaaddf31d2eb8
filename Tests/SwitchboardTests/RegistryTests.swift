import Switchboard
import SwitchboardTestSupport
import SwitchboardConfig
import Testing

/// A new adapter type is one type plus one registration: the router and the linter are not edited.
struct EchoAdapter: ProviderAdapter {
    static let declaration = AdapterDeclaration(
        name: "echo",
        summary: "Answers with the prompt, upper-cased or not.",
        options: [OptionSpec("shout", .boolean, default: .boolean(false), summary: "Upper-case the answer.")],
        targetParameters: [OptionSpec("prefix", .string, summary: "Text put before the answer.")],
        usesNetwork: false, requiresKeys: false, requiresModel: false)

    let shout: Bool

    init(provider: Provider, environment: AdapterEnvironment) throws {
        shout = provider.options["shout"]?.boolean ?? false
    }

    func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput {
        let text = (call.target.parameters["prefix"]?.string ?? "") + call.request.prompt
        return AdapterOutput(text: shout ? text.uppercased() : text)
    }

    func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let output = try await complete(call)
        return AsyncThrowingStream { $0.yield(ChatChunk(delta: output.text, finishReason: .stop)); $0.finish() }
    }
}

@Suite struct RegistryTests {
    static var registry: AdapterRegistry {
        var registry = AdapterRegistry.builtIn
        registry.register(EchoAdapter.self)
        return registry
    }

    @Test func aCustomAdapterTypeIsUsableFromYAML() async throws {
        let yaml = """
            version: 1
            providers:
              loud: { adapter: echo, options: { shout: true } }
            routes:
              chat: [{ provider: loud, priority: 1, parameters: { prefix: "echo: " } }]
            """
        try await EngineHarness.withEngine(yaml, registry: Self.registry) { engine in
            let answer = try await engine.complete(ChatRequest(messages: [.user("hello")]), route: "chat")
            #expect(answer.text == "ECHO: HELLO")
            #expect(answer.provider == "loud")
        }
    }

    @Test func theLinterChecksACustomAdapterAgainstItsOwnSchema() {
        let yaml = """
            version: 1
            providers:
              loud: { adapter: echo, options: { shuot: true } }
            routes:
              chat: [{ provider: loud, priority: 1, parameters: { prefix: 3 } }]
            """
        let report = Linter(catalog: Self.registry.catalog).lint(Array(yaml.utf8), file: "custom.yaml")
        let rules = report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" }
        #expect(rules == ["3:37 invalid-adapter-option"])
        #expect(report.diagnostics.first?.message.contains("did you mean 'shout'") == true)
        let builtInOnly = Linter().lint(Array(yaml.utf8), file: "custom.yaml")
        #expect(builtInOnly.diagnostics.contains { $0.rule == .unknownAdapter })
    }
}
