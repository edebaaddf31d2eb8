import Testing

@testable import SwitchboardConfig

/// `KnownKeys` matches keys by their bytes (a word for the first eight, then byte by byte) and must find
/// exactly the names `==` finds.
struct KnownKeysTests {
    private func position(of key: String, in known: KnownKeys) -> Int {
        Array(key.utf8).withUnsafeBufferPointer { known.position(of: $0) }
    }

    @Test func findsExactlyTheNamesEqualityFinds() {
        let names = [
            "provider", "model", "priority", "parameters", "max_tokens", "max_tokns", "temperature", "top_p",
            "a", "ab", "abcdefgh", "abcdefghi", "abcdefghij", "\u{E9}", "na\u{EF}ve_name", "K",
        ]
        let known = KnownKeys(names)
        let probes = names + [
            "", "p", "provide", "providers", "Provider", "abcdefgh\u{0}", "abcdefgi", "abcdefghx", "abcdefghijk",
            "parameterz", "temperaturE", "x-provider", "e", "naïve_namf",
            // Canonically equivalent spellings, which `==` takes for the same name.
            "e\u{301}", "nai\u{308}ve_name", "\u{212A}",
        ]
        for probe in probes {
            #expect(position(of: probe, in: known) == (names.firstIndex(of: probe) ?? names.count), "\(probe)")
        }
    }

    @Test func emptyListMatchesNothing() {
        #expect(position(of: "model", in: KnownKeys([])) == 0)
        #expect(position(of: "", in: KnownKeys([])) == 0)
    }

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
