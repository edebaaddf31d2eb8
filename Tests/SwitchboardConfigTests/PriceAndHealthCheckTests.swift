import SwitchboardConfig
import Testing

/// `price:` on providers and targets, and a provider's `health_check:`: decoding, cost arithmetic, and
/// located errors for every way the blocks can be written wrong.
struct PriceAndHealthCheckTests {
    /// A clean file but for the given lines: `provider` is written at line 9, column 5, inside provider
    /// `openai`; `target` at line 15, column 7, inside the route's first target.
    private static func document(provider: String = "", target: String = "") -> String {
        """
        version: 1
        key_pools:
          openai-keys: [OPENAI_API_KEY]
        providers:
          openai:
            adapter: openai-chat
            base_url: https://api.openai.com/v1
            key_pool: openai-keys
            \(provider)
        routes:
          chat:
            - provider: openai
              model: gpt-4o
              priority: 1
              \(target)
            - { provider: openai, model: gpt-4o-mini, priority: 2 }

        """
    }

    private static func lint(provider: String = "", target: String = "") -> LintReport {
        Linter().lint(Array(document(provider: provider, target: target).utf8), file: "providers.yaml")
    }

    // MARK: - Price

    @Test func pricesDecodeOnTheProviderAndOnATarget() throws {
        let configuration = try SwitchboardConfiguration.parse(Self.document(
            provider: "price: { input_per_million: 0.15, output_per_million: 0.60 }",
            target: "price: { input_per_million: 2.50, output_per_million: 10 }")).configuration
        let provider = try #require(configuration.provider(named: "openai"))
        #expect(provider.price?.inputPerMillion == 0.15 && provider.price?.outputPerMillion == 0.6)
        let targets = configuration.routes[0].targets
        // The first target's own price replaces the provider's; the second has none of its own.
        #expect(targets[0].price?.inputPerMillion == 2.5 && targets[0].price?.outputPerMillion == 10)
        #expect(targets[1].price == nil)
    }

    @Test func noPriceIsNil() throws {
        let configuration = try SwitchboardConfiguration.parse(Self.document()).configuration
        #expect(configuration.provider(named: "openai")?.price == nil)
        #expect(configuration.routes[0].targets.allSatisfy { $0.price == nil })
    }

    @Test func zeroAndIntegerPricesAreAccepted() throws {
        let configuration = try SwitchboardConfiguration.parse(Self.document(
            provider: "price: { input_per_million: 0, output_per_million: 2 }")).configuration
        let price = try #require(configuration.provider(named: "openai")?.price)
        #expect(price.inputPerMillion == 0 && price.outputPerMillion == 2)
        #expect(price.inputPerMillion.sign == .plus)
    }

    @Test func costIsPerMillionTokens() {
        let price = Price(inputPerMillion: 2.5, outputPerMillion: 10)
        #expect(price.cost(promptTokens: 1000, completionTokens: 500) == 0.0075)
        #expect(price.cost(promptTokens: 1_000_000, completionTokens: 0) == 2.5)
        #expect(price.cost(promptTokens: 0, completionTokens: 0) == 0)
        #expect(Price(inputPerMillion: 0, outputPerMillion: 0).cost(promptTokens: 123, completionTokens: 456) == 0)
    }

    @Test(arguments: [
        ("-1.5", "found '-1.5'"), ("abc", "found 'abc'"), (".inf", "found '.inf'"), ("1e400", "found '1e400'"),
        ("nan", "found 'nan'"), ("\"2.5\"", "found the quoted string '2.5'"),
    ])
    func badPricesAreInvalidValuesAtTheValue(_ value: String, _ found: String) {
        LintFixture.expect(
            Self.lint(provider: "price: { input_per_million: \(value), output_per_million: 1 }"),
            [.init(.error, .invalidValue, 9, 33, [
                "'input_per_million' in price of provider 'openai'", "a number of at least 0", found,
            ])])
    }

    @Test func aPriceThatIsNotANumberAtAllIsAWrongType() {
        LintFixture.expect(
            Self.lint(target: "price: { input_per_million: 1, output_per_million: [1] }"),
            [.init(.error, .wrongType, 15, 58, [
                "'output_per_million' in price of target 1 of route 'chat'", "must be a number", "found a list",
            ])])
    }

    @Test func bothPricesAreRequired() {
        LintFixture.expect(
            Self.lint(target: "price: { input_per_million: 2.5 }"),
            [.init(.error, .missingField, 15, 7, [
                "price of target 1 of route 'chat' is missing required field 'output_per_million'",
            ])])
    }

    @Test func anUnknownKeyInAPriceSuggestsTheNearest() {
        LintFixture.expect(
            Self.lint(provider: "price: { input_per_million: 1, output_per_milion: 2, output_per_million: 2 }"),
            [.init(.error, .unknownField, 9, 36, [
                "unknown field 'output_per_milion' in price of provider 'openai'", "did you mean 'output_per_million'?",
            ])])
    }

    @Test func aPriceMustBeAMapping() {
        LintFixture.expect(
            Self.lint(provider: "price: 2.5"),
            [.init(.error, .wrongType, 9, 12, ["price of provider 'openai' must be a mapping"])])
    }

    // MARK: - Health checks

    @Test func healthChecksDecodeWithTheDefaultTimeout() throws {
        let full = try SwitchboardConfiguration.parse(
            Self.document(provider: "health_check: { interval: 5m, timeout: 20s }")).configuration
        let check = try #require(full.provider(named: "openai")?.healthCheck)
        #expect(check.interval == .seconds(300) && check.timeout == .seconds(20))

        let bare = try SwitchboardConfiguration.parse(
            Self.document(provider: "health_check: { interval: 10s }")).configuration
        let defaults = try #require(bare.provider(named: "openai")?.healthCheck)
        #expect(defaults.interval == HealthCheck.minimumInterval && defaults.timeout == HealthCheck.defaultTimeout)

        let none = try SwitchboardConfiguration.parse(Self.document()).configuration
        #expect(none.provider(named: "openai")?.healthCheck == nil)
    }

    @Test func anIntervalBelowTheMinimumIsAnError() {
        LintFixture.expect(
            Self.lint(provider: "health_check: { interval: 5s }"),
            [.init(.error, .invalidValue, 9, 31, [
                "'interval' in health_check of provider 'openai'", "at least 10s", "found 5s",
            ])])
    }

    @Test func aTimeoutLongerThanTheIntervalIsAnError() {
        LintFixture.expect(
            Self.lint(provider: "health_check: { interval: 30s, timeout: 1m }"),
            [.init(.error, .invalidValue, 9, 45, [
                "'timeout' in health_check of provider 'openai'", "not be longer than 'interval' (30s)", "found 1m",
            ])])
        // Equal is fine: a probe may take the whole interval.
        #expect(Self.lint(provider: "health_check: { interval: 30s, timeout: 30s }").diagnostics.isEmpty)
    }

    @Test func badHealthCheckFieldsAreLocatedErrors() {
        LintFixture.expect(
            Self.lint(provider: "health_check: { timeout: 0s, intervall: 1m }"),
            [
                .init(.error, .missingField, 9, 5, ["health_check of provider 'openai'", "'interval'"]),
                .init(.error, .invalidValue, 9, 30, ["'timeout' in health_check", "longer than zero"]),
                .init(.error, .unknownField, 9, 34, ["unknown field 'intervall'", "did you mean 'interval'?"]),
            ])
        LintFixture.expect(
            Self.lint(provider: "health_check: { interval: 5 }"),
            [.init(.error, .invalidDuration, 9, 31, ["'interval' in health_check", "add a unit"])])
    }

    @Test func healthChecksBelongToProvidersOnly() {
        LintFixture.expect(
            Self.lint(target: "health_check: { interval: 1m }"),
            [.init(.error, .unknownField, 15, 7, ["unknown field 'health_check' in target 1 of route 'chat'"])])
    }
}
