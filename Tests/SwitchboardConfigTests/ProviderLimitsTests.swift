import SwitchboardConfig
import Testing

/// A provider's `limits:` block: decoding, located errors, and the two limit rules' finer cases.
struct ProviderLimitsTests {
    private static func document(limits: String, policy: String = "{ deadline: 10s, attempt_timeout: 5s }", extraRoute: String = "") -> String {
        """
        version: 1
        key_pools:
          local-keys: [LOCAL_KEY]
        providers:
          local:
            adapter: openai-chat
            base_url: http://127.0.0.1:8000/v1
            key_pool: local-keys
            limits: \(limits)
        policy: \(policy)
        routes:
          chat: [{ provider: local, model: m, priority: 1 }]
        \(extraRoute)
        """
    }

    @Test func limitsDecodeWithDefaults() throws {
        let full = try SwitchboardConfiguration.parse(Self.document(
            limits: "{ max_in_flight: 64, max_in_flight_per_key: 8, queue_size: 128, max_wait: 2s }")).configuration
        let limits = try #require(full.provider(named: "local")?.limits)
        #expect(limits.maxInFlight == 64 && limits.maxInFlightPerKey == 8)
        #expect(limits.queueSize == 128 && limits.maxWait == .seconds(2))

        let bare = try SwitchboardConfiguration.parse(Self.document(limits: "{ max_in_flight: 3 }")).configuration
        let defaults = try #require(bare.provider(named: "local")?.limits)
        #expect(defaults.maxInFlight == 3 && defaults.maxInFlightPerKey == nil)
        #expect(defaults.queueSize == 0 && defaults.maxWait == .seconds(1))
    }

    @Test func providersWithoutLimitsAreUnlimited() throws {
        let configuration = try SwitchboardConfiguration.parse(Self.document(limits: "~")).configuration
        #expect(configuration.provider(named: "local")?.limits == nil)
    }

    @Test func badLimitValuesAreLocatedErrors() {
        let yaml = Self.document(limits: """

                  max_in_flight: 0
                  max_in_flight_per_key: "8"
                  queue_size: -1
                  max_wait: 2
                  max_wiat: 2s
            """)
        let report = Linter().lint(Array(yaml.utf8), file: "limits.yaml")
        let found = report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" }
        #expect(found == [
            "10:22 invalid-value", "11:30 wrong-type", "12:19 invalid-value", "13:17 invalid-duration",
            "14:7 unknown-field",
        ])
        #expect(report.diagnostics.first { $0.rule == .unknownField }?.message.contains("did you mean 'max_wait'") == true)
        #expect(report.diagnostics.first { $0.rule == .invalidDuration }?.message.contains("add a unit: 2s or 2ms") == true)
    }

    @Test func limitsMustBeAMapping() {
        let report = Linter().lint(Array(Self.document(limits: "64").utf8), file: "limits.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["9:13 wrong-type"])
    }

    @Test func aQueueWithoutAnInFlightLimitIsIneffective() {
        let report = Linter().lint(Array(Self.document(limits: "{ queue_size: 4, max_wait: 1s }").utf8), file: "l.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["9:5 ineffective-limit"])
        #expect(report.diagnostics.first?.message.contains("nothing ever waits") == true)
    }

    @Test func aMaxWaitWithoutAQueueIsIneffective() {
        let report = Linter().lint(Array(Self.document(limits: "{ max_in_flight: 2, max_wait: 1s }").utf8), file: "l.yaml")
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["9:33 ineffective-limit"])
        #expect(report.diagnostics.first?.message.contains("'queue_size' is 0") == true)
    }

    @Test func aWaitShorterThanSomeRoutesDeadlineIsFine() {
        // The top-level deadline is 1s, but a second route gives the provider 30s: its requests can wait.
        let yaml = Self.document(
            limits: "{ max_in_flight: 2, queue_size: 4, max_wait: 2s }", policy: "{ deadline: 1s, attempt_timeout: 1s }",
            extraRoute: "  slow: { policy: { deadline: 30s }, targets: [{ provider: local, model: m, priority: 1 }] }")
        #expect(Linter().lint(Array(yaml.utf8), file: "l.yaml").diagnostics.isEmpty)
        let onlyShort = Self.document(
            limits: "{ max_in_flight: 2, queue_size: 4 }", policy: "{ deadline: 1s, attempt_timeout: 1s }")
        let report = Linter().lint(Array(onlyShort.utf8), file: "l.yaml")
        // The default max_wait (1s) is not shorter than the only deadline: reported at the limits block.
        #expect(report.diagnostics.map { "\($0.location) \($0.rule.rawValue)" } == ["9:5 limit-wait-exceeds-deadline"])
    }
}
