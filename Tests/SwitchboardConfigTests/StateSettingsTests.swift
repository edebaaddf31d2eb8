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
            "8:17 error literal-secret", "9:8 error invalid-value", "11:17 error invalid-value",
            "12:18 error invalid-value", "13:3 error unknown-field",
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
            "4:8 error invalid-value", "6:17 error invalid-value", "7:18 error invalid-value",
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

    /// The findings for `yaml` as "line:col severity rule", in source order.
    private static func found(_ yaml: String, environment: [String: String]? = nil) -> [String] {
        Linter(environment: environment).lint(Array(yaml.utf8), file: "state.yaml").diagnostics
            .map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
    }

    /// Both output formats, as `switchboard lint` prints them, source lines included.
    private static func printed(_ yaml: String) -> String {
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        let formatter = DiagnosticFormatter()
        return formatter.text(report) + formatter.json([report])
    }

    @Test func aMissingVariableIsReportedAtTheBlock() throws {
        let yaml = "version: 1\nstate:\n  tls: require\n" + Self.rest
        #expect(Self.found(yaml) == ["3:3 error missing-field"])
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        #expect(report.diagnostics.first?.message == "state is missing required field 'postgres_env'")
        #expect(report.configuration?.state == nil)
    }

    @Test func theBlockMustBeAMapping() {
        #expect(Self.found("version: 1\nstate: shared\n" + Self.rest) == ["2:8 error wrong-type"])
        #expect(Self.found("version: 1\nstate: [PG_URL]\n" + Self.rest) == ["2:8 error wrong-type"])
    }

    @Test func aURLInPlaceOfTheBlockOrUnderAnotherKeyIsASecretAndIsMaskedInTheOutput() {
        let scalar = "version: 1\nstate: postgres://switchboard:hunter2@db.internal/switchboard\n" + Self.rest
        #expect(Self.found(scalar) == ["2:8 error literal-secret"])
        #expect(!Self.printed(scalar).contains("hunter2"))

        let misspelt = "version: 1\nstate:\n  postgres_url: postgres://switchboard:hunter2@db.internal/switchboard\n" + Self.rest
        #expect(Self.found(misspelt) == ["3:3 error missing-field", "3:3 error unknown-field", "3:17 error literal-secret"])
        #expect(!Self.printed(misspelt).contains("hunter2"))
        #expect(Self.printed(misspelt).contains("did you mean 'postgres_env'?"))
    }

    @Test func aURLInTheVariableIsMaskedInTheOutput() {
        let yaml = "version: 1\nstate:\n  postgres_env: postgres://switchboard:hunter2@db.internal:5432/switchboard\n" + Self.rest
        let printed = Self.printed(yaml)
        #expect(printed.contains("[literal-secret]"))
        #expect(!printed.contains("hunter2"))
    }

    @Test(arguments: ["user:hunter2", "host=db password=hunter2", "switchboard@db"])
    func connectionStringsInTheVariableAreSecretsNeverQuoted(_ value: String) {
        let yaml = "version: 1\nstate: { postgres_env: \"\(value)\" }\n" + Self.rest
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["2:24 literal-secret"])
        #expect(report.diagnostics.allSatisfy { !$0.message.contains("hunter2") && !$0.message.contains(value) })
        // Nor echoed with the source line, spaces and all, quoted or plain, in a block or a flow mapping.
        #expect(!Self.printed(yaml).contains("hunter2"))
        #expect(!Self.printed("version: 1\nstate:\n  postgres_env: \(value) # the URL\n" + Self.rest).contains("hunter2"))
        #expect(!Self.printed("version: 1\nstate: { postgres_env: \(value), tls: require }\n" + Self.rest).contains("hunter2"))
    }

    @Test func anEmptyVariableNameIsItsOwnError() throws {
        let yaml = "version: 1\nstate: { postgres_env: \"\" }\n" + Self.rest
        let report = Linter().lint(Array(yaml.utf8), file: "state.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["2:24 invalid-value"])
        #expect(report.diagnostics.first?.message.contains("must not be empty") == true)
        let bare = "version: 1\nstate:\n  postgres_env:\n" + Self.rest
        #expect(Self.found(bare) == ["3:3 error missing-field"])
    }

    @Test func theBufferMustBeAPositiveInteger() {
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, usage_buffer: lots }\n" + Self.rest) == ["2:42 error wrong-type"])
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, usage_buffer: 1.5 }\n" + Self.rest) == ["2:42 error wrong-type"])
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, usage_buffer: -3 }\n" + Self.rest) == ["2:42 error invalid-value"])
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, usage_buffer: 1 }\n" + Self.rest).isEmpty)
    }

    @Test func theSyncIntervalIsADurationUpToAMinute() throws {
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, sync_interval: soon }\n" + Self.rest)
            == ["2:43 error invalid-duration"])
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, sync_interval: 0s }\n" + Self.rest)
            == ["2:43 error invalid-value"])
        #expect(Self.found("version: 1\nstate: { postgres_env: PG, sync_interval: 61s }\n" + Self.rest)
            == ["2:43 error invalid-value"])
        let yaml = "version: 1\nstate: { postgres_env: PG, sync_interval: 1m }\n" + Self.rest
        #expect(Self.found(yaml).isEmpty)
        #expect(try SwitchboardConfiguration.parse(yaml).configuration.state?.syncInterval == .seconds(60))
    }

    @Test func theCAFileIsForVerifyFullAndMustNotBeEmpty() {
        let head = "version: 1\nstate:\n  postgres_env: PG\n"
        #expect(Self.found(head + "  tls: verify-full\n  ca_file: \"\"\n" + Self.rest) == ["5:12 error invalid-value"])
        #expect(Self.found(head + "  tls: verify-full\n  ca_file: ca.pem\n" + Self.rest).isEmpty)

        let require = Linter().lint(Array((head + "  tls: require\n  ca_file: ca.pem\n" + Self.rest).utf8), file: "state.yaml")
        #expect(require.diagnostics.map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
            == ["5:12 warning ineffective-setting"])
        #expect(require.diagnostics.first?.message.contains("used only with tls: verify-full, not with tls: require") == true)

        // Without tls: the URL's sslmode decides, which the file cannot see: ask for tls to be written.
        let unset = Linter().lint(Array((head + "  ca_file: ca.pem\n" + Self.rest).utf8), file: "state.yaml")
        #expect(unset.diagnostics.map { "\($0.location) \($0.severity) \($0.rule.rawValue)" }
            == ["4:12 warning ineffective-setting"])
        #expect(unset.diagnostics.first?.message.contains("write tls: verify-full") == true)
    }

    @Test func theEnvironmentCheckReadsTheURLAsServeDoesWithoutEchoingIt() {
        let yaml = "version: 1\nstate: { postgres_env: PG_URL }\n" + Self.rest
        func messages(_ url: String, yaml: String = yaml) -> [String] {
            Linter(environment: ["PG_URL": url]).lint(Array(yaml.utf8), file: "state.yaml").diagnostics.map(\.message)
        }
        #expect(messages("") == ["PG_URL is set but empty: serve will refuse to start"])
        #expect(messages("postgres:///x?password=hunter2") == ["PG_URL holds a URL that names no host: serve will refuse to start"])
        #expect(messages("postgres://:hunter2@db/x") == ["PG_URL holds a URL that names no user: serve will refuse to start"])
        #expect(messages("postgres://u:hunter2@db/x?sslmode=sometimes").first?.contains("sslmode is not one of") == true)
        #expect(messages("PostgreSQL://u:hunter2@db/x?sslmode=verify-ca").isEmpty)
        let tlsInFile = "version: 1\nstate: { postgres_env: PG_URL, tls: require }\n" + Self.rest
        #expect(messages("postgres://u:hunter2@db/x?sslmode=sometimes", yaml: tlsInFile).isEmpty)
    }
}
