import SwitchboardConfig
import Testing

/// The `usage:` block of providers.yaml.
struct UsageSettingsTests {
    private static let rest = """
        providers:
          offline: { adapter: template, options: { templates: { text: "x" } } }
        routes:
          chat: [{ provider: offline, priority: 1 }]
        """

    @Test func usageBlockDecodes() throws {
        let yaml = """
            version: 1
            usage: { path: data/usage.sqlite, batch_interval: 250ms, batch_size: 100, buffer_size: 2000 }
            \(Self.rest)
            """
        let usage = try SwitchboardConfiguration.parse(yaml).configuration.usage
        #expect(usage.path == "data/usage.sqlite")
        #expect(usage.batchInterval == .milliseconds(250))
        #expect(usage.batchSize == 100)
        #expect(usage.bufferSize == 2_000)
        #expect(usage.isEnabled)
    }

    @Test func withoutABlockRecordingIsOffWithDefaults() throws {
        let usage = try SwitchboardConfiguration.parse("version: 1\n" + Self.rest).configuration.usage
        #expect(!usage.isEnabled)
        #expect(usage.resolvedPath(relativeTo: "/etc/switchboard/providers.yaml") == nil)
        #expect(usage.batchInterval == .seconds(1))
        #expect(usage.batchSize == 500)
        #expect(usage.bufferSize == 10_000)
    }

    @Test func relativePathsStartAtTheConfigurationsDirectory() {
        let relative = UsageSettings(path: "data/usage.sqlite")
        #expect(relative.resolvedPath(relativeTo: "/etc/switchboard/providers.yaml") == "/etc/switchboard/data/usage.sqlite")
        #expect(relative.resolvedPath(relativeTo: "/etc/switchboard/../sb/providers.yaml") == "/etc/sb/data/usage.sqlite")
        let absolute = UsageSettings(path: "/var/lib/switchboard/usage.sqlite")
        #expect(absolute.resolvedPath(relativeTo: "/etc/switchboard/providers.yaml") == "/var/lib/switchboard/usage.sqlite")
    }

    @Test func badUsageValuesAreLocatedErrors() {
        let yaml = """
            version: 1
            usage:
              path: [a, b]
              batch_interval: 0s
              batch_size: "500"
              buffer_size: 0
              buffer_sise: 10
            \(Self.rest)
            """
        let report = Linter().lint(Array(yaml.utf8), file: "usage.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" }
        #expect(found == ["3:9 wrong-type", "4:19 invalid-value", "5:15 wrong-type", "6:16 invalid-value", "7:3 unknown-field"])
        #expect(report.diagnostics.last?.message.contains("did you mean 'buffer_size'") == true)
    }

    @Test func aBareNumberIntervalGetsTheUnitHint() {
        let yaml = "version: 1\nusage: { path: u.sqlite, batch_interval: 5 }\n" + Self.rest
        let report = Linter().lint(Array(yaml.utf8), file: "usage.yaml")
        #expect(report.diagnostics.map(\.rule.rawValue) == ["invalid-duration"])
        #expect(report.diagnostics.first?.message.contains("add a unit: 5s or 5ms") == true)
    }
}
