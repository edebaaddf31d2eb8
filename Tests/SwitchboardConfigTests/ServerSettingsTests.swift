import SwitchboardConfig
import Testing

/// The `server:` block of providers.yaml.
struct ServerSettingsTests {
    @Test func serverBlockDecodes() throws {
        let yaml = """
            version: 1
            server: { host: 0.0.0.0, port: 9090, max_request_bytes: 65536, max_concurrent_per_token: 8, shutdown_grace: 10s }
            providers:
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat: [{ provider: offline, priority: 1 }]
            """
        let server = try SwitchboardConfiguration.parse(yaml).configuration.server
        #expect(server.host == "0.0.0.0")
        #expect(server.port == 9090)
        #expect(server.maxRequestBytes == 65_536)
        #expect(server.maxConcurrentPerToken == 8)
        #expect(server.shutdownGrace == .seconds(10))
    }

    @Test func badServerValuesAreLocatedErrors() {
        let yaml = """
            version: 1
            server:
              port: 70000
              shutdown_grace: 0s
              hots: 0.0.0.0
            providers:
              offline: { adapter: template, options: { templates: { text: "x" } } }
            routes:
              chat: [{ provider: offline, priority: 1 }]
            """
        let report = Linter().lint(Array(yaml.utf8), file: "server.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" }
        #expect(found == ["3:9 invalid-value", "4:19 invalid-value", "5:3 unknown-field"])
        #expect(report.diagnostics.last?.message.contains("did you mean 'host'") == true)
    }
}
