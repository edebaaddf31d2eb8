import Foundation
import SwitchboardConfig
import SwitchboardLintCLI
import Testing

/// `switchboard lint`: arguments in, exit code out (what it prints is left on stdout).
struct LintCommandTests {
    static func run(_ arguments: [String]) throws -> Int32 {
        try LintOptions.parse(arguments).run().rawValue
    }

    @Test func rootConfigurationExitsZero() throws {
        #expect(try Self.run([RootConfiguration.path]) == 0)
        #expect(try Self.run(["--format", "json", RootConfiguration.path]) == 0)
        #expect(try Self.run(["--strict", RootConfiguration.path]) == 0)
    }

    /// The offline template needs no key, so whatever this process's environment holds, no route is
    /// left without an answer.
    @Test func rootConfigurationWithCheckEnvExitsZero() throws {
        #expect(try Self.run(["--check-env", RootConfiguration.path]) == 0)
    }

    @Test(arguments: ["text", "json"])
    func fileWithErrorsExitsOne(format: String) throws {
        #expect(try Self.run(["--format", format, try LintFixture.url("duplicate-priority").path]) == 1)
    }

    @Test func warningsExitZeroUnlessStrict() throws {
        let path = try LintFixture.url("unused-provider").path
        #expect(try Self.run([path]) == 0)
        #expect(try Self.run(["--strict", path]) == 1)
    }

    @Test func anyFailingFileFailsTheRun() throws {
        let clean = RootConfiguration.path
        let broken = try LintFixture.url("yaml-syntax").path
        #expect(try Self.run([clean, broken]) == 1)
        #expect(try Self.run([broken, clean]) == 1)
    }

    @Test func missingFileExitsOneWithAnIOErrorNamingIt() throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "switchboard-no-such-file.yaml").path
        let options = try LintOptions.parse([path])
        #expect(options.files == [path])
        #expect(options.run().rawValue == 1)
        let diagnostics = Linter().lint(file: path).diagnostics
        #expect(diagnostics.map(\.rule) == [.ioError])
        #expect(diagnostics.first?.message.contains("'\(path)'") == true)
    }

    @Test func defaultsToProvidersYAMLInTextFormat() throws {
        let options = try LintOptions.parse([])
        #expect(options.files == ["providers.yaml"])
        #expect(options.format == .text)
        #expect(!options.strict && !options.checkEnv && !options.listRules)
    }

    @Test func listRulesExitsZero() throws {
        #expect(try Self.run(["--list-rules"]) == 0)
    }

    @Test func unknownFormatIsAUsageError() throws {
        let error = try #require(throws: (any Error).self) {
            try LintOptions.parse(["--format", "xml", "providers.yaml"])
        }
        #expect(LintOptions.exitCode(for: error).rawValue == 64)
    }

    @Test func unknownFlagIsAUsageError() throws {
        let error = try #require(throws: (any Error).self) { try LintOptions.parse(["--fix", "providers.yaml"]) }
        #expect(LintOptions.exitCode(for: error).rawValue == 64)
    }
}
