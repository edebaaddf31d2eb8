import SwitchboardConfig
import Testing

/// The `state:` block of providers.yaml: the replicas' shared database.
struct StateSettingsTests {
    private static let rest = """
        providers:
          offline: { adapter: template, options: { templates: { text: "x" } } }
        routes:
          chat: [{ provider: offline, priority: 1 }]
        """

    @Test func stateBlockDecodes() throws {
        let yaml = """
            version: 1
            state:
              postgres_env: SWITCHBOARD_DATABASE_URL
              tls: verify-full
              ca_file: certs/pg-ca.pem
              usage_buffer: 500
              sync_interval: 2s
            \(Self.rest)
            """
        let state = try #require(try SwitchboardConfiguration.parse(yaml).configuration.state)
        #expect(state.postgresEnv == "SWITCHBOARD_DATABASE_URL")
        #expect(state.tls == .verifyFull)
        #expect(state.resolvedCAFile(relativeTo: "/etc/switchboard/providers.yaml") == "/etc/switchboard/certs/pg-ca.pem")
        #expect(state.usageBuffer == 500)
        #expect(state.syncInterval == .seconds(2))
    }

    @Test func withoutABlockNothingIsShared() throws {
        #expect(try SwitchboardConfiguration.parse("version: 1\n" + Self.rest).configuration.state == nil)
    }

    @Test func onlyTheVariableIsRequired() throws {
        let yaml = "version: 1\nstate: { postgres_env: PG_URL }\n" + Self.rest
        let state = try #require(try SwitchboardConfiguration.parse(yaml).configuration.state)
        #expect(state.tls == nil)
        #expect(state.caFile == nil)
        #expect(state.usageBuffer == StateSettings.defaultUsageBuffer)
        #expect(state.syncInterval == StateSettings.defaultSyncInterval)
    }

    @Test func badStateValuesAreLocatedErrorsThatNeverEchoAURL() {
        let yaml = """
            version: 1
            \(Self.rest)
            # the URL, password and all, where the variable's name belongs
            state:
              postgres_env: postgres://switchboard:hunter2@db.internal:5432/switchboard
              tls: verify
              ca_file: certs/pg-ca.pem
              usage_buffer: 0
              sync_interval: 5m
              sync_intervall: 1s
            """
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
        #expect(found == [
            "8:17 error literal-secret", "9:8 error invalid-value", "10:12 warning ineffective-setting",
            "11:17 error invalid-value", "12:18 error invalid-value", "13:3 error unknown-field",
        ])
        #expect(report.diagnostics.allSatisfy { !$0.message.contains("hunter2") })
        #expect(report.diagnostics.first?.message.contains("not hold the connection URL") == true)
    }

    @Test func valuesAreCheckedOnceTheVariableIsRight() {
        let yaml = """
            version: 1
            state:
              postgres_env: SWITCHBOARD_DATABASE_URL
              tls: verify
              ca_file: certs/pg-ca.pem
              usage_buffer: 0
              sync_interval: 5m
            \(Self.rest)
            """
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
        #expect(found == [
            "4:8 error invalid-value", "5:12 warning ineffective-setting", "6:17 error invalid-value",
            "7:18 error invalid-value",
        ])
        #expect(report.diagnostics.first?.message.contains("verify-full") == true)
    }

    @Test func aVariableNameMustBeOneAShellCanExport() {
        let yaml = "version: 1\nstate: { postgres_env: 1DATABASE-URL }\n" + Self.rest
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["2:24 invalid-value"])
    }

    @Test func theEnvironmentCheckWarnsOfAMissingOrWrongURLWithoutEchoingIt() {
        let yaml = "version: 1\nstate: { postgres_env: PG_URL }\n" + Self.rest
        let unset = Linter(environment: [:]).lint(Array(yaml.utf8), file: "state.yaml")
        #expect(unset.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["2:24 env-unset"])
        #expect(unset.diagnostics.first?.message.contains("serve will refuse to start") == true)
        let wrong = Linter(environment: ["PG_URL": "mysql://root:hunter2@db/x"]).lint(Array(yaml.utf8), file: "state.yaml")
        #expect(wrong.diagnostics.count == 1)
        #expect(wrong.diagnostics.allSatisfy { !$0.message.contains("hunter2") })
        let right = Linter(environment: ["PG_URL": "postgres://u:p@db/x"]).lint(Array(yaml.utf8), file: "state.yaml")
        #expect(right.diagnostics.isEmpty)
    }
}
