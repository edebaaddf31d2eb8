import Foundation
import SwitchboardConfig
import Testing

/// `--check-env` against an injected environment, on the root providers.yaml and the env fixtures; and
/// keys, from the environment or pasted into a file, never reaching any output.
struct EnvironmentCheckTests {
    /// The Hugging Face pool of the root providers.yaml, in the order its keys are numbered.
    static let huggingFaceVariables = [
        "VITE_HUGGINGFACE_API_KEY", "VITE_HUGGINGFACE_API_KEY_2", "VITE_HF_API_KEY", "VITE_HF_API_KEY_2",
        "HF_API_KEY", "HUGGINGFACE_API_KEY",
    ]

    /// A distinctive key shaped like a real one. Built at run time, so the source holds nothing that
    /// secret scanners take for a committed key.
    static func canary(_ prefix: String, _ number: Int) -> String {
        prefix + "LEAKCANARY\(number)0123456789abcdefABCDEF"
    }

    static let hf = ["hf", ""].joined(separator: "_")
    static let sk = ["sk", ""].joined(separator: "-")

    /// Every variable of the root providers.yaml set to a distinct, well-formed key.
    static var fullEnvironment: [String: String] {
        var environment: [String: String] = [:]
        for (index, variable) in huggingFaceVariables.enumerated() { environment[variable] = canary(hf, index + 1) }
        environment["OPENAI_API_KEY"] = canary(sk, 7)
        environment["VITE_OPENAI_API_KEY"] = canary(sk, 8)
        environment["BYTEZ_API_KEY"] = canary("", 9)
        environment["VITE_BYTEZ_API_KEY"] = canary("", 10)
        return environment
    }

    static func rootPool(_ name: String) throws -> KeyPool {
        let report = Linter().lint(file: RootConfiguration.path)
        return try #require(report.configuration?.keyPool(named: name))
    }

    static func lintRoot(_ environment: [String: String]) -> LintReport {
        Linter(environment: environment).lint(file: RootConfiguration.path)
    }

    /// Where the root providers.yaml writes `variable` as an item of a block list (`- NAME`).
    static func location(ofListItem variable: String) throws -> SwitchboardConfig.SourceLocation {
        let lines = try RootConfiguration.text().split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "- \(variable)" })
        let column = lines[index].prefix { $0 == " " }.count + 3
        return SwitchboardConfig.SourceLocation(line: index + 1, column: column)
    }

    // MARK: - Resolution

    @Test func huggingFacePoolReadsItsSixVariablesInOrder() throws {
        let pool = try Self.rootPool("huggingface")
        #expect(pool.variables == Self.huggingFaceVariables)
        #expect(pool.prefix == "hf_")
        let environment = Self.fullEnvironment
        let resolution = pool.resolve(in: environment)
        #expect(resolution.findings.isEmpty)
        #expect(resolution.keys.map(\.label) == (1...6).map { "huggingface#\($0)" })
        #expect(resolution.keys.map(\.variable) == Self.huggingFaceVariables)
        #expect(resolution.keys.map(\.value) == Self.huggingFaceVariables.compactMap { environment[$0] })
    }

    @Test func rootConfigurationWithEveryKeySetIsClean() {
        LintFixture.expect(Self.lintRoot(Self.fullEnvironment), [])
    }

    @Test func everyUnsetVariableIsAWarningAndTheOfflineTemplateKeepsRoutesAnswerable() throws {
        let report = Self.lintRoot([:])
        #expect(report.errorCount == 0)
        #expect(report.diagnostics.allSatisfy { $0.rule == .envUnset && $0.severity == .warning })
        #expect(report.diagnostics.count == 10)
        for (index, variable) in Self.huggingFaceVariables.enumerated() {
            let diagnostic = report.diagnostics.first { $0.message.contains("(\(variable))") }
            let location = try Self.location(ofListItem: variable)
            #expect(diagnostic?.location == location)
            #expect(diagnostic?.message == "huggingface#\(index + 1) (\(variable)) is not set")
        }
    }

    @Test func placeholderIsDroppedWithAWarning() throws {
        var environment = Self.fullEnvironment
        environment["VITE_HUGGINGFACE_API_KEY"] = "your_huggingface_api_key_here"
        let report = Self.lintRoot(environment)
        let location = try Self.location(ofListItem: "VITE_HUGGINGFACE_API_KEY")
        LintFixture.expect(
            report,
            [.init(.warning, .envPlaceholder, location.line, location.column, [
                "huggingface#1 (VITE_HUGGINGFACE_API_KEY) holds a placeholder, not a key: it is ignored",
            ])])
        let resolution = try Self.rootPool("huggingface").resolve(in: environment)
        #expect(resolution.keys.map(\.label) == (2...6).map { "huggingface#\($0)" })
    }

    @Test(arguments: [
        "your_huggingface_api_key_here", "<your token>", "changeme", "xxxxxxxxxxxx", "hf_...", "TODO", "placeholder",
    ])
    func placeholdersAreRecognised(_ value: String) throws {
        let resolution = try Self.rootPool("huggingface").resolve(in: ["HF_API_KEY": value])
        #expect(resolution.keys.isEmpty)
        #expect(resolution.findings.contains { $0.variable == "HF_API_KEY" && $0.problem == .placeholder })
    }

    @Test func duplicateIsCountedOnce() throws {
        var environment = Self.fullEnvironment
        environment["VITE_HF_API_KEY"] = environment["VITE_HUGGINGFACE_API_KEY"]
        let location = try Self.location(ofListItem: "VITE_HF_API_KEY")
        LintFixture.expect(
            Self.lintRoot(environment),
            [.init(.warning, .envDuplicate, location.line, location.column, [
                "huggingface#3 (VITE_HF_API_KEY) holds the same key as huggingface#1: it is counted once",
            ])])
        let resolution = try Self.rootPool("huggingface").resolve(in: environment)
        #expect(resolution.keys.map(\.label) == [1, 2, 4, 5, 6].map { "huggingface#\($0)" })
    }

    @Test func keyWithoutThePrefixIsKeptWithAWarning() throws {
        var environment = Self.fullEnvironment
        environment["HF_API_KEY"] = Self.canary("", 5)
        let location = try Self.location(ofListItem: "HF_API_KEY")
        LintFixture.expect(
            Self.lintRoot(environment),
            [.init(.warning, .envPrefix, location.line, location.column, [
                "huggingface#5 (HF_API_KEY) does not start with 'hf_'", "pool 'huggingface'",
            ])])
        let resolution = try Self.rootPool("huggingface").resolve(in: environment)
        #expect(resolution.keys.map(\.label) == (1...6).map { "huggingface#\($0)" })
    }

    @Test func findingsOfEveryKindComeInVariableOrder() throws {
        let environment = [
            "VITE_HUGGINGFACE_API_KEY": "your_huggingface_api_key_here",
            "VITE_HUGGINGFACE_API_KEY_2": Self.canary(Self.hf, 2),
            "VITE_HF_API_KEY": Self.canary(Self.hf, 2),
            "VITE_HF_API_KEY_2": "",
            "HF_API_KEY": Self.canary("", 5),
        ]
        let resolution = try Self.rootPool("huggingface").resolve(in: environment)
        #expect(resolution.keys.map(\.label) == ["huggingface#2", "huggingface#5"])
        #expect(resolution.findings.map(\.problem) == [
            .placeholder, .duplicate(of: "huggingface#2"), .empty, .unexpectedPrefix(expected: "hf_"), .unset,
        ])
        #expect(resolution.findings.map(\.label) == [1, 3, 4, 5, 6].map { "huggingface#\($0)" })
    }

    @Test func resolvedKeysPrintAsTheirLabel() throws {
        let resolution = try Self.rootPool("huggingface").resolve(in: Self.fullEnvironment)
        let key = try #require(resolution.keys.first)
        #expect("\(key)" == "huggingface#1")
        #expect(String(reflecting: key) == "ResolvedKey(huggingface#1 from VITE_HUGGINGFACE_API_KEY)")
    }

    // MARK: - Secrets never reach the output

    /// Every 8-character piece of every secret, for checking that no part of a key leaks.
    static func pieces(of secrets: [String]) -> Set<String> {
        var pieces: Set<String> = []
        for secret in secrets {
            let characters = Array(secret)
            for start in stride(from: 0, through: characters.count - 8, by: 1) {
                pieces.insert(String(characters[start..<(start + 8)]))
            }
        }
        return pieces
    }

    /// Checks that no output holds any 8-character piece of any secret, naming the outputs that do.
    static func expectNoPiece(
        of secrets: [String], in outputs: [(name: String, text: String)],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let pieces = pieces(of: secrets)
        let leaks = outputs.filter { output in pieces.contains { output.text.contains($0) } }
        #expect(leaks.isEmpty, "a key leaks into the \(leaks.map(\.name))", sourceLocation: sourceLocation)
    }

    /// Everything a lint run can show: text (plain and coloured), JSON, messages, the error `load` throws.
    static func outputs(of reports: [LintReport]) -> [(name: String, text: String)] {
        var outputs = [(name: "json", text: DiagnosticFormatter().json(reports))]
        for report in reports {
            outputs.append(("text of \(report.file)", DiagnosticFormatter().text(report)))
            outputs.append(("coloured text of \(report.file)", DiagnosticFormatter(useColor: true).text(report)))
            outputs += report.diagnostics.map { ("message of [\($0.rule.rawValue)]", $0.message) }
            guard FileManager.default.fileExists(atPath: report.file) else { continue }
            do {
                _ = try SwitchboardConfiguration.load(file: report.file)
            } catch {
                outputs.append(("ConfigurationError of \(report.file)", error.description))
            }
        }
        return outputs
    }

    @Test func environmentKeysNeverReachTheOutput() throws {
        var environment = Self.fullEnvironment
        environment["VITE_HF_API_KEY"] = environment["VITE_HUGGINGFACE_API_KEY"]  // env-duplicate
        environment["HF_API_KEY"] = Self.canary("", 55)  // env-prefix
        environment["VITE_OPENAI_API_KEY"] = Self.canary(Self.hf, 77)  // env-prefix, the wrong kind of key
        var reports = [Self.lintRoot(environment)]
        for name in ["env-unset", "env-placeholder", "env-prefix", "env-duplicate", "no-usable-key"] {
            reports.append(Linter(environment: environment).lint(file: try LintFixture.url(name).path))
        }
        #expect(reports[0].warningCount == 3)
        Self.expectNoPiece(of: Array(environment.values), in: Self.outputs(of: reports))
    }

    @Test func keyWrittenInTheFileIsRedactedWhereverItIsShown() throws {
        let url = try LintFixture.url("literal-secret")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let line = try #require(lines.first { $0.contains("- hf_") })
        let secret = String(line.drop { $0 != "h" })
        let report = Linter().lint(file: url.path)
        #expect(report.diagnostics.map(\.rule) == [.literalSecret])
        let text = DiagnosticFormatter().text(report)
        #expect(text.contains("      - hf_********\n"))
        Self.expectNoPiece(of: [String(secret.dropFirst(3))], in: Self.outputs(of: [report]))
    }

    /// A key pasted where a name belongs: messages quote names, and must not quote this one.
    @Test(arguments: [LintRule.unknownField, .duplicateKey])
    func keyWrittenAsANameIsNotQuotedInMessages(_ rule: LintRule) {
        let secret = Self.canary(Self.hf, 1)
        let pasted = rule == .duplicateKey ? "    \(secret): a\n    \(secret): b" : "    \(secret): true"
        let text = """
            version: 1
            providers:
              offline:
                adapter: template
            \(pasted)
                options:
                  templates:
                    text: "Offline answer to {{prompt}}"
            routes:
              chat:
                - { provider: offline, priority: 1 }

            """
        let report = Linter().lint(Array(text.utf8), file: "pasted.yaml")
        #expect(report.diagnostics.contains { $0.rule == rule })
        Self.expectNoPiece(of: [String(secret.dropFirst(3))], in: Self.outputs(of: [report]))
    }
}
