import Foundation
import PackagePlugin

/// `swift package lint-providers [FILES…]`: runs the Switchboard linter on the given files, or on
/// providers.yaml at the package root, and fails when it reports errors.
@main
struct LintProviders: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "switchboard-lint")
        var arguments = arguments
        if !Self.namesFile(arguments) {
            arguments.append(context.package.directoryURL.appending(path: "providers.yaml").path())
        }
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        if process.terminationReason != .exit || process.terminationStatus != 0 {
            Diagnostics.error("switchboard-lint found problems (exit status \(process.terminationStatus))")
            throw LintFailed()
        }
    }

    /// Whether the arguments name a file, as opposed to only flags and option values (`--format json`).
    private static func namesFile(_ arguments: [String]) -> Bool {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--format" {
                index += 2
                continue
            }
            if !argument.hasPrefix("-") { return true }
            index += 1
        }
        return false
    }

    struct LintFailed: Error, CustomStringConvertible {
        var description: String { "providers.yaml has lint errors" }
    }
}
