import ArgumentParser
import SwitchboardLintCLI

/// The linter alone, for the `lint-providers` plugin: it builds without the server's dependencies.
struct SwitchboardLint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-lint",
        abstract: "Check providers.yaml files (the same checks as `switchboard lint`)."
    )

    @OptionGroup var options: LintOptions

    func run() {
        options.runAndExit()
    }
}

SwitchboardLint.main()
