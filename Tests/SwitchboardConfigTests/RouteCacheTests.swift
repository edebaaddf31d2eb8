import SwitchboardConfig
import Testing

/// A route's `cache:` block.
struct RouteCacheTests {
    private static let providers = """
        providers:
          offline: { adapter: template, options: { templates: { text: "x" } } }
        """

    @Test func cacheBlockDecodesWithDefaults() throws {
        let yaml = """
            version: 1
            \(Self.providers)
            routes:
              chat:
                cache: { ttl: 10m, max_entries: 50, max_bytes: 4096, any_temperature: true }
                targets: [{ provider: offline, priority: 1 }]
              plain:
                cache: { ttl: 250ms }
                targets: [{ provider: offline, priority: 1 }]
              listed: [{ provider: offline, priority: 1 }]
            """
        let configuration = try SwitchboardConfiguration.parse(yaml).configuration
        let chat = try #require(configuration.route(named: "chat")?.cache)
        #expect(chat.ttl == .seconds(600))
        #expect(chat.maxEntries == 50 && chat.maxBytes == 4096 && chat.anyTemperature)
        let plain = try #require(configuration.route(named: "plain")?.cache)
        #expect(plain.ttl == .milliseconds(250))
        #expect(plain.maxEntries == 1_000 && plain.maxBytes == 8 << 20 && !plain.anyTemperature)
        #expect(configuration.route(named: "listed")?.cache == nil)
    }

    @Test func badCacheValuesAreLocatedErrors() {
        let yaml = """
            version: 1
            \(Self.providers)
            routes:
              chat:
                cache:
                  ttl: 0s
                  max_entries: 0
                  max_bytes: "big"
                  any_temperature: maybe
                  max_entires: 5
                targets: [{ provider: offline, priority: 1 }]
              bare:
                cache: { max_entries: 5 }
                targets: [{ provider: offline, priority: 1 }]
              scalar:
                cache: 10m
                targets: [{ provider: offline, priority: 1 }]
            """
        let report = Linter().lint(Array(yaml.utf8), file: "cache.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" }
        #expect(found == [
            "7:12 invalid-value", "8:20 invalid-value", "9:18 wrong-type", "10:24 wrong-type", "11:7 unknown-field",
            "14:5 missing-field", "17:12 wrong-type",
        ])
        #expect(report.diagnostics.first { $0.rule == .unknownField }?.message.contains("did you mean 'max_entries'") == true)
        #expect(report.diagnostics.first { $0.rule == .missingField }?.message.contains("'ttl'") == true)
    }
}
