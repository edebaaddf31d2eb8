/// A configuration that cannot be used: its error diagnostics, in file order.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var diagnostics: [Diagnostic]

    public var description: String {
        let lines = diagnostics.map { "\($0.file ?? file):\($0.location): \($0.severity.rawValue): \($0.message) [\($0.rule.rawValue)]" }
        return "\(file) has \(diagnostics.count) error(s):\n" + lines.joined(separator: "\n")
    }
}

extension SwitchboardConfiguration {
    /// Reads, lints and decodes a providers.yaml. Errors throw; warnings come back for the caller to log.
    public static func load(
        file path: String, catalog: AdapterCatalog = .builtIn
    ) throws(ConfigurationError) -> (configuration: SwitchboardConfiguration, warnings: [Diagnostic]) {
        try accept(Linter(catalog: catalog).lint(file: path))
    }

    /// Lints and decodes providers.yaml text held in memory; `file` names it in diagnostics.
    public static func parse(
        _ text: String, file: String = "providers.yaml", catalog: AdapterCatalog = .builtIn
    ) throws(ConfigurationError) -> (configuration: SwitchboardConfiguration, warnings: [Diagnostic]) {
        try accept(Linter(catalog: catalog).lint(Array(text.utf8), file: file))
    }

    private static func accept(
        _ report: LintReport
    ) throws(ConfigurationError) -> (configuration: SwitchboardConfiguration, warnings: [Diagnostic]) {
        let path = report.file
        let errors = report.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let configuration = report.configuration else {
            throw ConfigurationError(file: path, diagnostics: errors)
        }
        return (configuration, report.diagnostics.filter { $0.severity == .warning })
    }
}
