import Testing

@testable import SwitchboardConfig

/// Adapter options and target parameters are matched by name against the adapter's specs.
struct OptionDecodingTests {
    @Test func parameterNamesAreMatchedAsTheSpecsSpellThem() throws {
        // Unknown, extension, empty and non-scalar parameter names, next to known ones.
        let yaml = """
            version: 1
            providers:
              p: { adapter: openai-chat, base_url: https://a.example.com/v1 }
            routes:
              r:
                - { provider: p, model: m, priority: 1, parameters: { max_tokens: 5, max_tokns: 1, x-note: 1, '': 2, ? [k] : 3, top_p: 0.5 } }
            """
        var decoder = ConfigDecoder(catalog: .builtIn)
        let root = try YAMLParser.parse(yaml)
        let configuration = decoder.decode(root)
        let parameters = configuration.routes.first?.targets.first?.parameters
        #expect(parameters?["max_tokens"]?.integer == 5)
        #expect(parameters?["top_p"]?.number == 0.5)
        let messages = decoder.diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("unknown option 'max_tokns'") && $0.contains("did you mean 'max_tokens'?") })
        #expect(messages.filter { $0.contains("must be non-empty strings") }.count == 2)
        #expect(!messages.contains { $0.contains("x-note") })
    }
}
