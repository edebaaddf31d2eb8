import ArgumentParser
import SwitchboardLintCLI

extension SwitchboardCommand {
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check providers.yaml files for errors before shipping them.",
            discussion: """
                Prints each finding as `path:line:col: error|warning: message [rule-id]` with the source line \
                and a caret. Exits 0 when clean (warnings allowed unless --strict), 1 when errors were found, \
                64 on usage errors. Keys are only ever named as pool#index.
                """
        )

        @OptionGroup var options: LintOptions

        func run() {
            options.runAndExit()
        }
    }
}
