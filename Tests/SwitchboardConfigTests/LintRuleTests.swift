import Foundation
import SwitchboardConfig
import Testing

/// One test per lint rule, each on its fixture `Fixtures/lint/<rule-id>.yaml`: the exact rule, severity,
/// line and column of every diagnostic the fixture produces, and the words its message must carry.
struct LintRuleTests {
    // MARK: - Coverage

    @Test(arguments: LintRule.allCases)
    func everyRuleHasAFixtureThatTriggersIt(_ rule: LintRule) throws {
        let url = try LintFixture.url(rule.rawValue)
        try #require(
            FileManager.default.fileExists(atPath: url.path),
            "add Fixtures/lint/\(rule.rawValue).yaml and a test for the rule")
        let report = try LintFixture.lint(rule.rawValue)
        #expect(report.diagnostics.contains { $0.rule == rule })
    }

    @Test func everyFixtureIsNamedAfterARule() throws {
        let folder = try LintFixture.folder()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let ids = Set(LintRule.allCases.map(\.rawValue))
        #expect(names.count == ids.count)
        for name in names {
            #expect(name.hasSuffix(".yaml") && ids.contains(String(name.dropLast(5))), "stray fixture \(name)")
        }
    }

    // MARK: - The file itself

    @Test func ioErrorNamesTheUnreadablePath() throws {
        // The fixture is a directory: it exists, and still cannot be read as a file.
        let path = try LintFixture.url("io-error").path
        let report = Linter().lint(file: path)
        LintFixture.expect(report, [.init(.error, .ioError, 1, 1, ["cannot read '\(path)'", "it is a directory"])])
        #expect(report.source == nil)
        #expect(report.configuration == nil)
        #expect(report.diagnostics.first?.file == path)
    }

    @Test func ioErrorForAMissingFile() {
        let path = FileManager.default.temporaryDirectory.appending(path: "switchboard-no-such-file.yaml").path
        let report = Linter().lint(file: path)
        LintFixture.expect(report, [.init(.error, .ioError, 1, 1, ["cannot read '\(path)'", "no such file"])])
    }

    @Test func yamlSyntaxPointsAtTheBadTokenAndKeepsLibyamlsWordsAsANote() throws {
        let report = try LintFixture.lint("yaml-syntax")
        LintFixture.expect(report, [.init(.error, .yamlSyntax, 11, 40, ["'{' opened at 11:7 is closed with ']'"])])
        let note = try #require(report.diagnostics.first?.notes.first)
        #expect(note.location == SourceLocation(line: 11, column: 40))
        #expect(note.message.contains("did not find expected ',' or '}'") && note.message.contains("flow mapping at 11:7"))
    }

    @Test func yamlSyntaxForAControlCharacterGivesItsLineAndColumn() {
        let report = Linter().lint(Array("version: 1\nproviders: {}\u{1}\n".utf8), file: "control.yaml")
        LintFixture.expect(report, [.init(.error, .yamlSyntax, 2, 14, ["control characters are not allowed"])])
    }

    @Test func duplicateKeyIsReportedAtTheSecondKey() throws {
        LintFixture.expect(
            try LintFixture.lint("duplicate-key"),
            [.init(.error, .duplicateKey, 9, 5, ["duplicate key 'adapter'", "first defined at 5:5"])])
    }

    @Test func yamlAliasWithoutAnEarlierAnchor() throws {
        LintFixture.expect(
            try LintFixture.lint("yaml-alias"),
            [.init(.error, .yamlAlias, 5, 9, ["'*template-defaults'", "no anchor defined before it"])])
    }

    @Test func yamlStructureForASecondDocument() throws {
        LintFixture.expect(
            try LintFixture.lint("yaml-structure"),
            [.init(.error, .yamlStructure, 12, 1, ["second YAML document"])])
    }

    @Test(arguments: ["", "# nothing but a comment\n"])
    func yamlStructureForAnEmptyFile(_ text: String) {
        let report = Linter().lint(Array(text.utf8), file: "empty.yaml")
        LintFixture.expect(report, [.init(.error, .yamlStructure, 1, 1, ["the file is empty"])])
    }

    @Test func yamlStructureForAMergeKeyOnAScalar() {
        let report = Linter().lint(Array("version: 1\nproviders:\n  a:\n    <<: 5\n".utf8), file: "merge.yaml")
        LintFixture.expect(report, [.init(.error, .yamlStructure, 4, 9, ["merge key ('<<')", "not a scalar"])])
    }

    // MARK: - Shape

    @Test func unknownFieldSuggestsTheNearestField() throws {
        LintFixture.expect(
            try LintFixture.lint("unknown-field"),
            [.init(.error, .unknownField, 6, 5, [
                "unknown field 'timeout'", "provider 'offline'", "did you mean 'timeouts'?",
            ])])
    }

    @Test func wrongTypeNamesTheExpectedType() throws {
        LintFixture.expect(
            try LintFixture.lint("wrong-type"),
            [.init(.error, .wrongType, 10, 17, ["'max_attempts' in policy", "must be an integer", "found 'many'"])])
    }

    @Test func missingFieldPointsAtTheEntity() throws {
        LintFixture.expect(
            try LintFixture.lint("missing-field"),
            [
                .init(.error, .missingField, 5, 3, ["provider 'local'", "missing required field 'adapter'"]),
                .init(.error, .missingField, 17, 5, ["error rule", "missing required field 'action'"]),
            ])
    }

    @Test func invalidValueGivesTheAllowedRange() throws {
        LintFixture.expect(
            try LintFixture.lint("invalid-value"),
            [
                .init(.error, .invalidValue, 4, 9, ["'host' in server carries a port", "'port: 8080'"]),
                .init(.error, .invalidValue, 12, 17, ["'max_attempts' in policy", "from 1 to 1000", "found 0"]),
            ])
    }

    @Test func unsupportedVersion() throws {
        LintFixture.expect(
            try LintFixture.lint("unsupported-version"),
            [.init(.error, .unsupportedVersion, 2, 10, ["version 2 is not supported", "version 1"])])
    }

    @Test func invalidDurationSuggestsAUnit() throws {
        LintFixture.expect(
            try LintFixture.lint("invalid-duration"),
            [.init(.error, .invalidDuration, 10, 13, [
                "'deadline' in policy", "found '30'", "add a unit: 30s or 30ms",
            ])])
    }

    @Test func invalidStatusOutsideTheHTTPRange() throws {
        LintFixture.expect(
            try LintFixture.lint("invalid-status"),
            [.init(.error, .invalidStatus, 14, 22, ["'999'", "error rule 'teapot'", "outside 100–599"])])
    }

    @Test func invalidURLWithoutAScheme() throws {
        LintFixture.expect(
            try LintFixture.lint("invalid-url"),
            [
                .init(.error, .invalidURL, 8, 15, [
                    "provider 'openai'", "absolute http:// or https:// URL", "'api.openai.com/v1'",
                ]),
                .init(.error, .invalidURL, 12, 15, [
                    "provider 'router'", "already ends in '/chat/completions'", "('https://router.huggingface.co/v1')",
                ]),
            ])
    }

    @Test func insecureURLIsAWarning() throws {
        LintFixture.expect(
            try LintFixture.lint("insecure-url"),
            [.init(.warning, .insecureURL, 8, 15, ["provider 'internal'", "plain http://", "'llm.internal.example'"])])
    }

    @Test(arguments: [
        "http://localhost:8080/v1", "http://127.0.0.1:8080/v1", "http://[::1]:8080/v1", "http://models.localhost/v1",
    ])
    func plainHTTPToLoopbackIsNotInsecure(_ url: String) {
        let report = Linter().lint(Array(LintFixture.singleProvider(baseURL: url).utf8), file: "loopback.yaml")
        LintFixture.expect(report, [])
    }

    /// A name that merely starts with "127." is a remote host like any other.
    @Test func plainHTTPToAHostNamedLike127IsInsecure() {
        let text = LintFixture.singleProvider(baseURL: "http://127.internal.example.com/v1")
        let report = Linter().lint(Array(text.utf8), file: "remote.yaml")
        LintFixture.expect(
            report, [.init(.warning, .insecureURL, 7, 15, ["plain http://", "'127.internal.example.com'"])])
    }

    // MARK: - References

    @Test func unknownAdapterSuggestsTheNearestName() throws {
        LintFixture.expect(
            try LintFixture.lint("unknown-adapter"),
            [.init(.error, .unknownAdapter, 5, 14, [
                "unknown adapter type 'openai-chta'", "provider 'local'",
                "registered types: hf-inference, openai-chat, template", "did you mean 'openai-chat'?",
            ])])
    }

    @Test func invalidAdapterOptionForUnknownOptionsWrongTypesAndMissingTemplates() throws {
        LintFixture.expect(
            try LintFixture.lint("invalid-adapter-option"),
            [
                .init(.error, .invalidAdapterOption, 9, 7, [
                    "unknown option 'chat_paht'", "options of provider 'local'",
                    "it takes chat_path, auth_header, auth_scheme, stream_usage", "did you mean 'chat_path'?",
                ]),
                .init(.error, .invalidAdapterOption, 10, 21, [
                    "'stream_usage'", "must be true or false", "found 'maybe'",
                ]),
                .init(.error, .invalidAdapterOption, 20, 65, [
                    "'template' in parameters of target 2 of route 'chat'", "names 'sumary'",
                    "not one of the provider's templates (summary, text)", "did you mean 'summary'?",
                ]),
            ])
    }

    @Test func unknownProviderSuggestsTheNearestName() throws {
        LintFixture.expect(
            try LintFixture.lint("unknown-provider"),
            [.init(.error, .unknownProvider, 11, 19, [
                "target 1 of route 'chat'", "provider 'ofline'", "not declared", "did you mean 'offline'?",
            ])])
    }

    @Test func unknownKeyPoolSuggestsTheNearestName() throws {
        LintFixture.expect(
            try LintFixture.lint("unknown-key-pool"),
            [.init(.error, .unknownKeyPool, 13, 15, [
                "provider 'openai-eu'", "key pool 'opneai'", "not declared under key_pools", "did you mean 'openai'?",
            ])])
    }

    @Test func missingKeyPoolIsAWarningAtTheProvider() throws {
        LintFixture.expect(
            try LintFixture.lint("missing-key-pool"),
            [.init(.warning, .missingKeyPool, 4, 3, ["provider 'openai' has no key_pool", "'api.openai.com'"])])
    }

    @Test func unusedKeyPoolIsAWarningAtThePool() throws {
        LintFixture.expect(
            try LintFixture.lint("unused-key-pool"),
            [.init(.warning, .unusedKeyPool, 4, 3, ["key pool 'spare'", "not used by any provider"])])
    }

    @Test func unusedProviderIsAWarningAtTheProvider() throws {
        LintFixture.expect(
            try LintFixture.lint("unused-provider"),
            [.init(.warning, .unusedProvider, 9, 3, ["provider 'backup'", "not used by any route"])])
    }

    // MARK: - Capabilities

    @Test func unknownCapabilitySuggestsTheNearestName() throws {
        LintFixture.expect(
            try LintFixture.lint("unknown-capability"),
            [.init(.error, .unknownCapability, 7, 22, [
                "unknown capability 'vison' in 'supports' of provider 'local'", "did you mean 'vision'?",
            ])])
    }

    @Test func unsupportedCapabilityIsAWarningAndIsNotServed() throws {
        let report = try LintFixture.lint("unsupported-capability")
        LintFixture.expect(
            report,
            [.init(.warning, .unsupportedCapability, 16, 24, [
                "adapter 'hf-inference' cannot relay 'tools'", "target 1 of route 'chat'",
            ])])
        let configuration = try #require(report.configuration)
        let target = try #require(configuration.routes.first?.targets.first)
        let provider = try #require(configuration.provider(named: "hf"))
        let declaration = try #require(AdapterCatalog.builtIn["hf-inference"])
        #expect(target.supports == [.text, .tools])
        #expect(target.capabilities(provider: provider, declaration: declaration) == [.text])
    }

    @Test func capabilityWithoutFallbackNamesTheTargetsItIsNotSentTo() throws {
        LintFixture.expect(
            try LintFixture.lint("capability-without-fallback"),
            [.init(.warning, .capabilityWithoutFallback, 13, 7, [
                "only target 'local' (priority 1) of route 'chat' serves vision",
                "never sent to 'router' (priority 2)", "400 unsupported_capability",
            ])])
    }

    /// Falling back from one upstream to the offline template is text-only by design: not reported.
    @Test func capabilityWithoutFallbackIgnoresTheTemplate() {
        let text = """
            version: 1
            providers:
              local: { adapter: openai-chat, base_url: http://localhost:8080/v1 }
              offline: { adapter: template, options: { templates: { text: "Offline answer to {{prompt}}" } } }
            routes:
              chat:
                - { provider: local, model: gpt-4o-mini, priority: 1 }
                - { provider: offline, priority: 2 }

            """
        LintFixture.expect(Linter().lint(Array(text.utf8), file: "routes.yaml"), [])
    }

    @Test func supportsOnATargetReplacesTheProviders() throws {
        let text = """
            version: 1
            providers:
              router:
                adapter: openai-chat
                base_url: http://localhost:8080/v1
                supports: [text, tools]
            routes:
              chat:
                - { provider: router, model: llava, priority: 1, supports: [text, vision] }
                - { provider: router, model: zephyr, priority: 2, supports: text }
                - { provider: router, model: qwen, priority: 3 }

            """
        let report = Linter().lint(Array(text.utf8), file: "routes.yaml")
        let configuration = try #require(report.configuration)
        let provider = try #require(configuration.provider(named: "router"))
        let declaration = try #require(AdapterCatalog.builtIn["openai-chat"])
        #expect(provider.supports == [.text, .tools])
        let served = configuration.routes[0].targets.map { $0.capabilities(provider: provider, declaration: declaration) }
        #expect(served == [[.text, .vision], [.text], [.text, .tools]])
        // vision on llava alone and tools on qwen alone, each with upstream targets that lack it.
        LintFixture.expect(
            report,
            [
                .init(.warning, .capabilityWithoutFallback, 9, 7, ["serves vision", "'router' (priority 2)"]),
                .init(.warning, .capabilityWithoutFallback, 11, 7, ["serves tools", "'router' (priority 1)"]),
            ])
    }

    @Test func supportsRejectsAnEmptyListAWrongTypeAndWarnsOnRepeats() {
        let text = """
            version: 1
            providers:
              a: { adapter: openai-chat, base_url: http://localhost:8080/v1, supports: [] }
              b: { adapter: openai-chat, base_url: http://localhost:8081/v1, supports: { text: true } }
              c: { adapter: openai-chat, base_url: http://localhost:8082/v1, supports: [text, tools, tools] }
            routes:
              chat:
                - { provider: a, model: m, priority: 1 }
                - { provider: b, model: m, priority: 2 }
                - { provider: c, model: m, priority: 3 }

            """
        LintFixture.expect(
            Linter().lint(Array(text.utf8), file: "providers.yaml"),
            [
                .init(.error, .invalidValue, 3, 76, ["'supports' in provider 'a' names no capability"]),
                .init(.error, .wrongType, 4, 76, ["'supports' in provider 'b' must be a list of strings"]),
                .init(.warning, .invalidValue, 5, 90, ["capability 'tools' is listed twice"]),
            ])
    }

    // MARK: - Routes and rules

    @Test func emptyRouteIsReportedAtItsName() throws {
        LintFixture.expect(
            try LintFixture.lint("empty-route"),
            [.init(.error, .emptyRoute, 12, 3, ["route 'summarize' has no targets"])])
    }

    @Test func duplicatePriorityIsReportedAtTheLaterTarget() throws {
        LintFixture.expect(
            try LintFixture.lint("duplicate-priority"),
            [.init(.error, .duplicatePriority, 15, 55, [
                "priority 1 in route 'chat'", "target at line 14 (provider 'local')", "order between them is undefined",
            ])])
    }

    /// Equal priorities written apart are still a pair: the route keeps its targets sorted by priority.
    @Test func duplicatePriorityBetweenTargetsWrittenApart() {
        let text = """
            version: 1
            providers:
              local:
                adapter: openai-chat
                base_url: http://localhost:8080/v1
            routes:
              chat:
                - { provider: local, model: llama-3-8b, priority: 1 }
                - { provider: local, model: mistral-7b, priority: 2 }
                - { provider: local, model: qwen-2-7b, priority: 1 }

            """
        LintFixture.expect(
            Linter().lint(Array(text.utf8), file: "routes.yaml"),
            [.init(.error, .duplicatePriority, 10, 54, ["priority 1 in route 'chat'", "target at line 8"])])
    }

    @Test func unreachableTargetAfterTheTemplate() throws {
        LintFixture.expect(
            try LintFixture.lint("unreachable-target"),
            [.init(.warning, .unreachableTarget, 15, 7, [
                "target 'local' (priority 2) in route 'chat' is never tried", "'offline' (priority 1)",
            ])])
    }

    /// A target naming an undeclared provider neither answers always nor hides the targets after it.
    @Test func unreachableTargetAfterAnUndeclaredProvider() {
        let text = """
            version: 1
            providers:
              local:
                adapter: openai-chat
                base_url: http://localhost:8080/v1
              offline:
                adapter: template
                options: { templates: { text: "Offline answer to {{prompt}}" } }
            routes:
              chat:
                - { provider: ghost, model: llama-3-8b, priority: 1 }
                - { provider: offline, priority: 2 }
                - { provider: local, model: llama-3-8b, priority: 3 }

            """
        LintFixture.expect(
            Linter().lint(Array(text.utf8), file: "routes.yaml"),
            [
                .init(.error, .unknownProvider, 11, 19, ["provider 'ghost'"]),
                .init(.warning, .unreachableTarget, 13, 7, ["target 'local' (priority 3)", "'offline' (priority 2)"]),
            ])
    }

    @Test func shadowedRuleNamesTheRuleThatWins() throws {
        LintFixture.expect(
            try LintFixture.lint("shadowed-rule"),
            [.init(.warning, .shadowedRule, 17, 12, [
                "error rule 'unavailable' can never match", "rule 'server_error' at line 13",
            ])])
    }

    @Test func conflictingMatchMixesStatusAndTransport() throws {
        LintFixture.expect(
            try LintFixture.lint("conflicting-match"),
            [.init(.error, .conflictingMatch, 14, 12, ["error rule 'flaky'", "mixes HTTP conditions", "'transport'"])])
    }

    @Test func conflictingMatchWithNoCondition() {
        let report = Linter().lint(Array(LintFixture.singleRule(match: "{}").utf8), file: "rule.yaml")
        LintFixture.expect(
            report, [.init(.error, .conflictingMatch, 16, 12, ["error rule 'empty'", "has no condition"])])
    }

    /// An empty list matches nothing, like an empty match: the rule would be dropped without a word.
    @Test(arguments: ["{ transport: [] }", "{ status: [] }", "{ status_range: [] }"])
    func conflictingMatchWithAnEmptyList(_ match: String) {
        let report = Linter().lint(Array(LintFixture.singleRule(match: match).utf8), file: "rule.yaml")
        LintFixture.expect(report, [.init(.error, .conflictingMatch, 16, 12, ["error rule 'empty'"])])
    }

    // MARK: - Provider limits

    @Test func ineffectiveLimitOnTheTemplateAndPerKeyWithoutKeys() throws {
        LintFixture.expect(
            try LintFixture.lint("ineffective-limit"),
            [
                .init(.warning, .ineffectiveLimit, 8, 7, [
                    "'max_in_flight_per_key' in limits of provider 'local'", "no key_pool",
                ]),
                .init(.warning, .ineffectiveLimit, 11, 5, ["limits of provider 'offline' are ignored", "template"]),
            ])
    }

    @Test func limitWaitExceedsEveryDeadlineOfTheProvider() throws {
        LintFixture.expect(
            try LintFixture.lint("limit-wait-exceeds-deadline"),
            [.init(.warning, .limitWaitExceedsDeadline, 10, 17, [
                "'max_wait' (5s) in limits of provider 'local'", "(longest: 3s)", "never waits",
            ])])
    }

    /// The wait is measured against the longest deadline of the routes that use the provider.
    @Test(arguments: [("5s", false), ("10s", true)])
    func limitWaitAgainstTheLongestOfTwoDeadlines(maxWait: String, isReported: Bool) {
        let text = """
            version: 1
            providers:
              local:
                adapter: openai-chat
                base_url: http://localhost:8080/v1
                limits: { max_in_flight: 2, queue_size: 4, max_wait: \(maxWait) }
            routes:
              short:
                policy: { deadline: 3s, attempt_timeout: 2s }
                targets:
                  - { provider: local, model: llama-3-8b, priority: 1 }
              long:
                policy: { deadline: 10s, attempt_timeout: 5s }
                targets:
                  - { provider: local, model: llama-3-8b, priority: 1 }

            """
        LintFixture.expect(
            Linter().lint(Array(text.utf8), file: "limits.yaml"),
            isReported ? [.init(.warning, .limitWaitExceedsDeadline, 6, 58, ["(10s)", "(longest: 10s)"])] : [])
    }

    // MARK: - Prices and health checks

    @Test func ineffectiveSettingOnTheTemplateAndItsTargets() throws {
        let report = try LintFixture.lint("ineffective-setting")
        LintFixture.expect(
            report,
            [
                .init(.warning, .ineffectiveSetting, 9, 5, ["price of provider 'offline' has no effect", "'template'"]),
                .init(.warning, .ineffectiveSetting, 10, 5, [
                    "health_check of provider 'offline' has no effect", "nothing to probe",
                ]),
                .init(.warning, .ineffectiveSetting, 19, 7, ["price of target 2 of route 'chat' has no effect"]),
            ])
        // Only a warning: the blocks are still decoded.
        let configuration = try #require(report.configuration)
        #expect(configuration.provider(named: "offline")?.price?.outputPerMillion == 0.6)
        #expect(configuration.provider(named: "offline")?.healthCheck?.interval == .seconds(300))
    }

    // MARK: - Secrets

    @Test func literalSecretInAKeyPool() throws {
        LintFixture.expect(
            try LintFixture.lint("literal-secret"),
            [.init(.error, .literalSecret, 8, 9, [
                "a Hugging Face token (hf_…)", "must not be written in the file", "environment variable",
            ])])
    }

    // MARK: - The environment

    @Test func envUnsetNamesTheKeyByLabelAndVariable() throws {
        LintFixture.expect(
            try LintFixture.lint("env-unset"),
            [.init(.warning, .envUnset, 9, 9, ["huggingface#2 (HUGGINGFACE_API_KEY) is not set"])])
    }

    @Test func envUnsetForAnEmptyValue() throws {
        let url = try LintFixture.url("env-unset")
        let report = Linter(environment: ["HF_API_KEY": "  ", "HUGGINGFACE_API_KEY": "hf_fixture_key_two_0123456789"])
            .lint(file: url.path)
        LintFixture.expect(report, [.init(.warning, .envUnset, 8, 9, ["huggingface#1 (HF_API_KEY) is set but empty"])])
    }

    @Test func envPlaceholderIsIgnoredWithAWarning() throws {
        LintFixture.expect(
            try LintFixture.lint("env-placeholder"),
            [.init(.warning, .envPlaceholder, 9, 9, ["huggingface#1 (HF_API_KEY) holds a placeholder", "ignored"])])
    }

    @Test func envPrefixNamesTheExpectedPrefix() throws {
        LintFixture.expect(
            try LintFixture.lint("env-prefix"),
            [.init(.warning, .envPrefix, 10, 9, [
                "huggingface#2 (HUGGINGFACE_API_KEY)", "does not start with 'hf_'", "pool 'huggingface'",
            ])])
    }

    @Test func envDuplicateNamesTheFirstKey() throws {
        LintFixture.expect(
            try LintFixture.lint("env-duplicate"),
            [.init(.warning, .envDuplicate, 10, 9, [
                "huggingface#2 (HUGGINGFACE_API_KEY)", "same key as huggingface#1", "counted once",
            ])])
    }

    @Test func noUsableKeyListsTheVariablesToSet() throws {
        LintFixture.expect(
            try LintFixture.lint("no-usable-key"),
            [
                .init(.warning, .envUnset, 7, 9, ["huggingface#1 (HF_API_KEY) is not set"]),
                .init(.warning, .envUnset, 8, 9, ["huggingface#2 (HUGGINGFACE_API_KEY) is not set"]),
                .init(.error, .noUsableKey, 16, 3, [
                    "route 'chat' cannot answer", "no keyless fallback", "set one of HF_API_KEY, HUGGINGFACE_API_KEY",
                ]),
            ])
    }

    @Test func environmentRulesNeedAnEnvironment() throws {
        for name in ["env-unset", "env-placeholder", "env-prefix", "env-duplicate", "no-usable-key"] {
            let report = Linter().lint(file: try LintFixture.url(name).path)
            LintFixture.expect(report, [])
        }
    }
}

// MARK: - Fixtures

/// The lint fixtures and the expectations written against them.
///
/// A fixture for a `--check-env` rule carries a `# --check-env` line, and its environment as
/// `# env: NAME=value` lines, so each file says everything needed to reproduce its diagnostics.
enum LintFixture {
    static func folder() throws -> URL {
        let resources = try #require(Bundle.module.resourceURL, "the test bundle has no resources")
        return resources.appending(path: "Fixtures/lint", directoryHint: .isDirectory)
    }

    static func url(_ name: String) throws -> URL {
        try folder().appending(path: "\(name).yaml")
    }

    static func lint(_ name: String) throws -> LintReport {
        let url = try url(name)
        return Linter(environment: environment(ofFixtureAt: url)).lint(file: url.path)
    }

    static func environment(ofFixtureAt url: URL) -> [String: String]? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        guard lines.contains("# --check-env") else { return nil }
        var environment: [String: String] = [:]
        for line in lines where line.hasPrefix("# env: ") {
            let pair = line.dropFirst("# env: ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { environment[String(pair[0])] = String(pair[1]) }
        }
        return environment
    }

    /// A clean file but for the given base URL: its provider `remote` has its URL on line 7, column 15.
    static func singleProvider(baseURL: String) -> String {
        """
        version: 1
        key_pools:
          remote: [REMOTE_API_KEY]
        providers:
          remote:
            adapter: openai-chat
            base_url: \(baseURL)
            key_pool: remote
        routes:
          chat:
            - { provider: remote, model: llama-3-8b, priority: 1 }

        """
    }

    /// A clean file but for the match of its one error rule, `empty`, written on line 16 at column 12.
    static func singleRule(match: String) -> String {
        """
        version: 1
        providers:
          offline:
            adapter: template
            options:
              templates:
                text: "Offline answer to {{prompt}}"
        routes:
          chat:
            - { provider: offline, priority: 1 }
        error_rules:
          - class: first
            match: { status: 418 }
            action: fail
          - class: empty
            match: \(match)
            action: next_target

        """
    }

    /// What one diagnostic must be: its rule, severity and position exactly, and words of its message.
    struct Expected {
        var severity: Diagnostic.Severity
        var rule: LintRule
        var line: Int
        var column: Int
        var words: [String]

        init(_ severity: Diagnostic.Severity, _ rule: LintRule, _ line: Int, _ column: Int, _ words: [String] = []) {
            self.severity = severity
            self.rule = rule
            self.line = line
            self.column = column
            self.words = words
        }
    }

    /// Checks that `report` holds exactly the `expected` diagnostics, in order.
    static func expect(
        _ report: LintReport, _ expected: [Expected], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let found = report.diagnostics.map { "\($0.location) \($0.severity.rawValue) [\($0.rule.rawValue)]" }
        let wanted = expected.map { "\($0.line):\($0.column) \($0.severity.rawValue) [\($0.rule.rawValue)]" }
        #expect(found == wanted, "messages: \(report.diagnostics.map(\.message))", sourceLocation: sourceLocation)
        for (diagnostic, expectation) in zip(report.diagnostics, expected) {
            for word in expectation.words {
                #expect(
                    diagnostic.message.contains(word), "\(diagnostic.message) does not say \(word)",
                    sourceLocation: sourceLocation)
            }
        }
    }
}
