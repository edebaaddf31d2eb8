import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SwitchboardConfig

/// The options and behaviour of `switchboard lint`, shared with the lint-only `switchboard-lint` tool
/// that the `lint-providers` plugin runs.
public struct LintOptions: ParsableArguments {
    @Argument(help: "Configuration files to check.", completion: .file(extensions: ["yaml", "yml"]))
    public var files: [String] = ["providers.yaml"]

    @Option(help: "Output format: text (compiler style, with the source line) or json.")
    public var format: DiagnosticFormatter.Format = .text

    @Flag(help: "Treat warnings as errors (exit 1 when there are any).")
    public var strict = false

    @Flag(help: "Also check the environment: key variables unset, placeholders, wrong prefixes, routes with no usable key.")
    public var checkEnv = false

    @Flag(help: "List every rule id with what it checks, then exit.")
    public var listRules = false

    public init() {}

    /// Lints, prints, and returns the exit code: 0 clean, 1 when errors (or, with `--strict`, warnings)
    /// were found.
    public func run() -> ExitCode {
        lintAndPrint().code
    }

    /// Lints, prints, and ends the process with the exit code. The reports are still alive at the exit:
    /// freeing a large decoded configuration object by object takes longer than the operating system
    /// takes to reclaim the whole process.
    public func runAndExit() -> Never {
        let (code, reports) = lintAndPrint()
        withExtendedLifetime(reports) { () -> Never in
            fflush(nil)  // every open stream, stdout included
            endProcess(code.rawValue)
        }
    }

    private func lintAndPrint() -> (code: ExitCode, reports: [LintReport]) {
        if listRules {
            // Ids are padded to the longest, so summaries line up and no id is cut short.
            let width = LintRule.allCases.map(\.rawValue.count).max() ?? 0
            for rule in LintRule.allCases { print("\(Self.padded(rule.rawValue, to: width)) \(rule.summary)") }
            return (.success, [])
        }
        let linter = Linter(environment: checkEnv ? ProcessInfo.processInfo.environment : nil)
        let reports = files.map { linter.lint(file: $0) }
        switch format {
        case .json:
            print(DiagnosticFormatter().json(reports))
        case .text:
            let formatter = DiagnosticFormatter(useColor: Self.stdoutIsColorTerminal)
            for report in reports { print(formatter.text(report), terminator: "") }
            print(formatter.summary(reports))
        }
        let failed = reports.contains { $0.errorCount > 0 || (strict && $0.warningCount > 0) }
        return (failed ? .failure : .success, reports)
    }

    /// `name` cut or padded with spaces to `width` characters, as `padding(toLength:withPad:startingAt:)`
    /// did (that one is Foundation's, which the lint tool does not load).
    private static func padded(_ name: String, to width: Int) -> String {
        String(name.prefix(width)) + String(repeating: " ", count: max(0, width - name.count))
    }

    private static var stdoutIsColorTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }
}

extension DiagnosticFormatter.Format: ExpressibleByArgument {}

/// The C library's `exit`, which inside `LintOptions` is hidden by ArgumentParser's `exit(withError:)`.
private func endProcess(_ code: Int32) -> Never {
    exit(code)
}
