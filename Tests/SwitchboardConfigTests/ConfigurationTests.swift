import Foundation
import SwitchboardConfig
import Testing

/// The package's own providers.yaml: it lints clean and decodes to the gateway's fallback chains. Also
/// a generated 10,000-target file, the diagnostic formatter, and `SwitchboardConfiguration.load(file:)`.
struct ConfigurationTests {
    /// What a route target comes down to: where it goes, in which order, with which task or template.
    struct Step: Equatable, CustomStringConvertible {
        var priority: Int
        var provider: String
        var model: String?
        var choice: String?
        var maxTokens: Int?

        init(_ priority: Int, _ provider: String, _ model: String?, _ choice: String? = nil, maxTokens: Int? = nil) {
            self.priority = priority
            self.provider = provider
            self.model = model
            self.choice = choice
            self.maxTokens = maxTokens
        }

        init(_ target: Target) {
            self.init(
                target.priority, target.provider, target.model,
                target.parameters["task"]?.string ?? target.parameters["template"]?.string, maxTokens: target.maxTokens)
        }

        var description: String {
            "\(priority): \(provider) \(model ?? "-") \(choice ?? "-") \(maxTokens.map(String.init) ?? "-")"
        }
    }

    static func root() throws -> SwitchboardConfiguration {
        try #require(Linter().lint(file: RootConfiguration.path).configuration)
    }

    // MARK: - The root providers.yaml

    @Test func rootLintsWithoutErrorsOrWarnings() {
        let report = Linter().lint(file: RootConfiguration.path)
        LintFixture.expect(report, [])
        #expect(report.configuration != nil)
    }

    @Test func textGenerationFallsBackFromOpenAIToTheOfflineTemplate() throws {
        let route = try #require(try Self.root().route(named: "text-generation"))
        #expect(route.targets.map(Step.init) == [
            Step(1, "openai", "gpt-3.5-turbo"),
            Step(2, "huggingface-router", "HuggingFaceH4/zephyr-7b-beta:featherless-ai"),
            Step(
                3, "huggingface-inference", "OpenAssistant/oasst-sft-7-llama-2-13b", "text-generation",
                maxTokens: 1000),
            Step(4, "huggingface-inference", "HuggingFaceH4/zephyr-7b-beta", "text-generation", maxTokens: 1000),
            Step(5, "huggingface-inference", "facebook/bart-large-cnn", "summarization", maxTokens: 512),
            Step(6, "bytez", "Qwen/Qwen3-4B"),
            Step(7, "offline", nil, "text"),
        ])
    }

    @Test func summarizationLeadsWithBart() throws {
        let route = try #require(try Self.root().route(named: "summarization"))
        #expect(route.targets.map(Step.init) == [
            Step(1, "huggingface-inference", "facebook/bart-large-cnn", "summarization", maxTokens: 512),
            Step(2, "openai", "gpt-3.5-turbo"),
            Step(3, "huggingface-router", "HuggingFaceH4/zephyr-7b-beta:featherless-ai"),
            Step(4, "offline", nil, "summary"),
        ])
    }

    @Test func routesShareTheTopLevelPolicy() throws {
        let configuration = try Self.root()
        #expect(configuration.routes.map(\.name) == ["text-generation", "summarization"])
        for route in configuration.routes {
            #expect(route.policy.deadline == .seconds(60))
            #expect(route.policy.attemptTimeout == .seconds(30))
            #expect(route.policy.maxAttempts == 12)
            #expect(
                route.policy.backoff
                    == RoutePolicy.Backoff(initial: .milliseconds(250), max: .seconds(4), multiplier: 2, jitter: true))
        }
    }

    @Test func mergeKeyGivesTheHuggingFaceProvidersTheirPoolAndTimeouts() throws {
        let configuration = try Self.root()
        for name in ["huggingface-router", "huggingface-inference"] {
            let provider = try #require(configuration.provider(named: name))
            #expect(provider.keyPool == "huggingface")
            #expect(provider.timeouts == Provider.Timeouts(connect: .seconds(5), request: .seconds(45)))
        }
        let inference = try #require(configuration.provider(named: "huggingface-inference"))
        #expect(inference.adapter == "hf-inference")
        #expect(inference.options["wait_for_model"] == .boolean(false))
        #expect(inference.options["use_cache"] == .boolean(true))
        #expect(configuration.provider(named: "openai")?.keyPool == "openai")
        #expect(configuration.provider(named: "bytez")?.keyPool == "bytez")
        #expect(configuration.provider(named: "offline")?.keyPool == nil)
        #expect(configuration.keyPools.map(\.name) == ["openai", "huggingface", "bytez"])
        let huggingFace = try #require(configuration.keyPool(named: "huggingface"))
        #expect(huggingFace.rotation == .roundRobin)
        #expect(huggingFace.maxCooldown == .seconds(600))
    }

    @Test func offlineProviderHasBothTemplates() throws {
        let offline = try #require(try Self.root().provider(named: "offline"))
        #expect(offline.adapter == "template")
        #expect(offline.options["templates"]?.stringMap.map { $0.keys.sorted() } == ["summary", "text"])
        #expect(offline.options["default_template"] == .string("text"))
    }

    @Test func errorRulesDecodeAsWritten() throws {
        let rules = try Self.root().errorRules.map { rule in
            var rule = rule
            rule.source = .none
            return rule
        }
        #expect(rules == [
            ErrorRule(
                name: "rate_limited", match: .http(statuses: StatusSet(codes: [429]), bodyContains: nil),
                action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(30), honorRetryAfter: true)),
            ErrorRule(
                name: "unauthorized", match: .http(statuses: StatusSet(codes: [401]), bodyContains: nil),
                action: .nextKey, keyEffect: KeyEffect(disable: true)),
            ErrorRule(
                name: "model_loading",
                match: .http(statuses: StatusSet(codes: [503]), bodyContains: "is currently loading"),
                action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(20))),
            ErrorRule(
                name: "unavailable", match: .http(statuses: StatusSet(codes: [503]), bodyContains: nil),
                action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(15), honorRetryAfter: true)),
            ErrorRule(
                name: "server_error", match: .http(statuses: StatusSet([500...599]), bodyContains: nil),
                action: .nextTarget),
            ErrorRule(
                name: "network", match: .transport([.timeout, .connectionRefused, .connectionReset]),
                action: .nextTarget),
        ])
    }

    // MARK: - A generated 10,000-target file

    @Test func generatedTenThousandTargetsLintClean() throws {
        let generated = GeneratedConfiguration()
        let report = Linter().lint(Array(generated.text.utf8), file: "generated.yaml")
        #expect(report.errorCount == 0)
        #expect(report.warningCount == 0)
        let configuration = try #require(report.configuration)
        #expect(configuration.providers.count == GeneratedConfiguration.providerCount + 1)
        #expect(configuration.routes.count == GeneratedConfiguration.routeCount)
        #expect(configuration.routes.allSatisfy { $0.targets.count == GeneratedConfiguration.targetsPerRoute })
        #expect(configuration.routes.reduce(0) { $0 + $1.targets.count } == 10_000)
        let route = try #require(configuration.route(named: "route-042"))
        #expect(route.targets.map(\.priority) == Array(1...GeneratedConfiguration.targetsPerRoute))
        #expect(route.targets.first.map(Step.init) == Step(1, "p-00", "model-0"))
        #expect(route.targets.last.map(Step.init) == Step(100, "offline", nil, "text"))
    }

    @Test func generatedFileWithOnePlantedErrorReportsExactlyThatError() throws {
        let generated = GeneratedConfiguration(plantingDuplicatePriorityAt: (route: 73, target: 58))
        let planted = try #require(generated.planted)
        let report = Linter().lint(Array(generated.text.utf8), file: "generated.yaml")
        LintFixture.expect(
            report,
            [.init(.error, .duplicatePriority, planted.line, planted.column, [
                "priority 58 in route 'route-073'", "target at line \(planted.line - 1) (provider 'p-57')",
            ])])
    }

    // MARK: - DiagnosticFormatter

    @Test func textIsCompilerStyleWithTheSourceLineACaretAndANote() throws {
        let report = try LintFixture.lint("duplicate-priority")
        let diagnostic = try #require(report.diagnostics.first)
        #expect(DiagnosticFormatter().text(report) == """
            \(report.file):15:55: error: \(diagnostic.message) [duplicate-priority]
                - { provider: local, model: mistral-7b, priority: 1 }
            \(String(repeating: " ", count: 54))^
            \(report.file):14:55: note: the other target with priority 1
                - { provider: local, model: llama-3-8b, priority: 1 }
            \(String(repeating: " ", count: 54))^

            """)
    }

    @Test func caretKeepsTheTabsOfATabIndentedLine() throws {
        let text = """
            version: 1
            providers:
              offline:
                adapter: template
                options:
                  templates:
                    text: "Offline answer to {{prompt}}"
            routes:
              chat:
                - { provider: offline, priority: 2 }
                - {
            \tprovider: ofline,
            \tpriority: 1 }

            """
        let report = Linter().lint(Array(text.utf8), file: "tabs.yaml")
        LintFixture.expect(report, [.init(.error, .unknownProvider, 12, 12, ["'ofline'"])])
        let lines = DiagnosticFormatter().text(report).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.dropFirst().prefix(2) == ["\tprovider: ofline,", "\t          ^~~~~~"])
    }

    /// A very long line is cut to a window around the column, and the caret still points at the column.
    @Test(arguments: [true, false])
    func longLineIsShownAsAWindowAroundTheColumn(atTheEnd: Bool) throws {
        let model = "model-" + String(repeating: "x", count: 300)
        let target = atTheEnd
            ? "    - { model: \(model), priority: 1, provider: ofline }"
            : "    - { provider: ofline, priority: 1, model: \(model) }"
        let text = "version: 1\nproviders:\n  offline:\n    adapter: template\n    options:\n      templates:\n"
            + "        text: \"Offline answer to {{prompt}}\"\nroutes:\n  chat:\n" + target + "\n"
            + "    - { provider: offline, priority: 2 }\n"
        let report = Linter().lint(Array(text.utf8), file: "long.yaml")
        let column = try #require(target.range(of: "ofline")).lowerBound.utf16Offset(in: target) + 1
        LintFixture.expect(report, [.init(.error, .unknownProvider, 10, column)])

        let lines = DiagnosticFormatter().text(report).split(separator: "\n", omittingEmptySubsequences: false)
        let shown = Array(try #require(lines.dropFirst().first).unicodeScalars)
        let caret = try #require(lines.dropFirst(2).first)
        #expect(shown.count <= DiagnosticFormatter().maxLineWidth + 2)
        #expect((shown.first == "…") == atTheEnd)
        #expect((shown.last == "…") == !atTheEnd)
        // The whole token is underlined: `^~~~~~` under `ofline`.
        #expect(caret.allSatisfy { $0 == " " || $0 == "^" || $0 == "~" } && caret.hasSuffix("^~~~~~"))
        let caretIndex = caret.unicodeScalars.count - 6
        #expect(String(String.UnicodeScalarView(shown.dropFirst(caretIndex).prefix(6))) == "ofline")
    }

    @Test func textHasNoEscapesUnlessColoured() throws {
        let report = try LintFixture.lint("invalid-adapter-option")
        let plain = DiagnosticFormatter().text(report)
        #expect(!plain.contains("\u{1B}"))
        let coloured = DiagnosticFormatter(useColor: true).text(report)
        #expect(coloured.contains("\u{1B}[1;31merror\u{1B}[0m"))
        #expect(coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression) == plain)
    }

    @Test func textOfACleanReportIsEmpty() {
        #expect(DiagnosticFormatter().text(Linter().lint(file: RootConfiguration.path)) == "")
    }

    /// A file that could not be read has no line to show: the diagnostic stands alone.
    @Test func textForAnUnreadableFileShowsNoSourceLine() {
        let path = FileManager.default.temporaryDirectory.appending(path: "switchboard-no-such-file.yaml").path
        #expect(DiagnosticFormatter().text(Linter().lint(file: path)) == """
            \(path):1:1: error: cannot read '\(path)': no such file [io-error]

            """)
    }

    @Test func summaryCountsFilesErrorsAndWarnings() throws {
        let errors = try LintFixture.lint("invalid-adapter-option")
        let warning = try LintFixture.lint("unused-provider")
        #expect(DiagnosticFormatter().summary([errors]) == "1 file checked: 3 errors, 0 warnings")
        #expect(DiagnosticFormatter().summary([warning, Linter().lint(file: RootConfiguration.path)])
            == "2 files checked: 0 errors, 1 warning")
    }

    @Test func jsonIsAnArrayOfObjectsWithSortedKeys() throws {
        let reports = [try LintFixture.lint("invalid-adapter-option"), try LintFixture.lint("unused-provider")]
        let json = DiagnosticFormatter().json(reports)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let diagnostics = reports.flatMap(\.diagnostics)
        #expect(array.count == 4)
        let keys = ["column", "file", "line", "message", "rule", "severity"]
        for (object, diagnostic) in zip(array, diagnostics) {
            #expect(object.keys.sorted() == keys)
            #expect(object["file"] as? String == diagnostic.file)
            #expect(object["line"] as? Int == diagnostic.location.line)
            #expect(object["column"] as? Int == diagnostic.location.column)
            #expect(object["severity"] as? String == diagnostic.severity.rawValue)
            #expect(object["rule"] as? String == diagnostic.rule.rawValue)
            #expect(object["message"] as? String == diagnostic.message)
        }
        #expect(array.last?["severity"] as? String == "warning")
        // Keys in the order written: sorted, in every object.
        let written = json.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("\""), let end = trimmed.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(trimmed[trimmed.index(after: trimmed.startIndex)..<end])
        }
        #expect(written == Array(repeating: keys, count: 4).flatMap { $0 })
        #expect(!json.contains(#"\/"#))
    }

    @Test func jsonOfNoDiagnosticsIsAnEmptyArray() throws {
        let json = DiagnosticFormatter().json([Linter().lint(file: RootConfiguration.path)])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
        #expect(array.isEmpty)
    }

    // MARK: - SwitchboardConfiguration.load(file:)

    @Test func loadThrowsTheErrorsOfABrokenFile() throws {
        let path = try LintFixture.url("invalid-adapter-option").path
        let error = try #require(throws: ConfigurationError.self) { try SwitchboardConfiguration.load(file: path) }
        #expect(error.file == path)
        #expect(error.diagnostics.map(\.rule) == Array(repeating: .invalidAdapterOption, count: 3))
        #expect(error.diagnostics.allSatisfy { $0.severity == .error })
        #expect(error.description.hasPrefix("\(path) has 3 error(s):\n\(path):9:7: error: unknown option 'chat_paht'"))
    }

    @Test func loadThrowsOnlyTheErrorsOfAFileWithBoth() throws {
        // A missing template (error) and a target after the offline one (warning).
        let text = try String(contentsOf: try LintFixture.url("unreachable-target"), encoding: .utf8)
            .replacingOccurrences(
                of: "{ provider: offline, priority: 1 }",
                with: "{ provider: offline, priority: 1, parameters: { template: txt } }")
        let url = FileManager.default.temporaryDirectory.appending(path: "switchboard-load-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(Linter().lint(file: url.path).diagnostics.map(\.rule) == [.invalidAdapterOption, .unreachableTarget])
        let error = try #require(throws: ConfigurationError.self) { try SwitchboardConfiguration.load(file: url.path) }
        #expect(error.diagnostics.map(\.rule) == [.invalidAdapterOption])
    }

    @Test func loadThrowsForAFileThatIsNotYAML() throws {
        let path = try LintFixture.url("yaml-syntax").path
        let error = try #require(throws: ConfigurationError.self) { try SwitchboardConfiguration.load(file: path) }
        #expect(error.diagnostics.map(\.rule) == [.yamlSyntax])
    }

    @Test func loadReturnsTheWarningsOfAWarningOnlyFile() throws {
        let path = try LintFixture.url("unused-provider").path
        let (configuration, warnings) = try SwitchboardConfiguration.load(file: path)
        #expect(warnings.map(\.rule) == [.unusedProvider])
        #expect(warnings.first?.file == path)
        #expect(configuration.providers.map(\.name) == ["offline", "backup"])
    }

    @Test func loadOfTheRootFileHasNoWarnings() throws {
        let (configuration, warnings) = try SwitchboardConfiguration.load(file: RootConfiguration.path)
        #expect(warnings.isEmpty)
        #expect(configuration == (try Self.root()))
    }
}

/// The package's own providers.yaml, found from this file's path.
enum RootConfiguration {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SwitchboardConfigTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
        .appending(path: "providers.yaml").path

    static func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

/// A clean providers.yaml with 10,000 route targets: 100 routes of 99 network targets on 99 providers
/// (sharing 10 key pools) each, then the offline template. Optionally one target repeats the priority of
/// the target before it.
struct GeneratedConfiguration {
    static let poolCount = 10
    static let providerCount = 99
    static let routeCount = 100
    static let targetsPerRoute = providerCount + 1

    private(set) var text = ""
    /// Where the planted duplicate priority is written.
    private(set) var planted: (line: Int, column: Int)?
    private var lineCount = 0

    init(plantingDuplicatePriorityAt plant: (route: Int, target: Int)? = nil) {
        add("version: 1")
        add("key_pools:")
        for pool in 0..<Self.poolCount { add("  pool-\(pool): [POOL_\(pool)_API_KEY]") }
        add("providers:")
        for index in 0..<Self.providerCount {
            add("  \(Self.provider(index)):")
            add("    adapter: openai-chat")
            add("    base_url: https://api-\(index).example.com/v1")
            add("    key_pool: pool-\(index % Self.poolCount)")
        }
        add("  offline:")
        add("    adapter: template")
        add("    options:")
        add("      templates:")
        add("        text: \"Offline answer to {{prompt}}\"")
        add("routes:")
        for route in 0..<Self.routeCount {
            add("  route-\(Self.padded(route, 3)):")
            add("    targets:")
            for index in 0..<Self.providerCount {
                let isPlanted = plant.map { $0.route == route && $0.target == index } ?? false
                let start = "      - { provider: \(Self.provider(index)), model: model-\(index), priority: "
                if isPlanted { planted = (lineCount + 1, start.count + 1) }
                add(start + "\(isPlanted ? index : index + 1) }")
            }
            add("      - { provider: offline, priority: \(Self.targetsPerRoute), parameters: { template: text } }")
        }
    }

    private static func provider(_ index: Int) -> String { "p-" + padded(index, 2) }

    private static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private mutating func add(_ line: String) {
        text += line + "\n"
        lineCount += 1
    }
}
