/// Checks providers.yaml files: YAML syntax and structure, the schema, references, and (when given an
/// environment) the keys the file names.
public struct Linter: Sendable {
    public var catalog: AdapterCatalog
    /// When set, `--check-env` checks run against it.
    public var environment: [String: String]?

    public init(catalog: AdapterCatalog = .builtIn, environment: [String: String]? = nil) {
        self.catalog = catalog
        self.environment = environment
    }

    /// Lints the file at `path`; an unreadable file is an `io-error` naming the path.
    public func lint(file path: String) -> LintReport {
        switch SourceFile.contents(of: path) {
        case .success(let bytes):
            return lint(bytes, file: path)
        case .failure(let error):
            return LintReport(
                file: path, sourceBytes: nil, configuration: nil,
                diagnostics: [
                    Diagnostic(.error, .ioError, "cannot read '\(path)': \(error.reason)", at: .start, file: path)
                ])
        }
    }

    /// Lints `bytes` as if read from `file` (the name is only used in diagnostics).
    public func lint(_ bytes: [UInt8], file: String) -> LintReport {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(bytes)
        } catch {
            var diagnostic = Diagnostic(.error, Self.rule(for: error.kind), error.message, at: error.location, file: file)
            diagnostic.notes = error.notes.map { Diagnostic.Note($0.message, at: $0.location) }
            return LintReport(file: file, sourceBytes: bytes, configuration: nil, diagnostics: [diagnostic])
        }
        var diagnostics = SecretScanner.scan(root)
        var decoder = ConfigDecoder(catalog: catalog)
        let configuration = decoder.decode(root)
        diagnostics += decoder.diagnostics
        var references = ReferenceChecks(configuration: configuration, catalog: catalog, losses: decoder.losses)
        diagnostics += references.run()
        if let environment {
            diagnostics += EnvironmentChecks(configuration: configuration, catalog: catalog, environment: environment).run()
        }
        for index in diagnostics.indices { diagnostics[index].file = file }
        return LintReport(
            file: file, sourceBytes: bytes, configuration: configuration, diagnostics: diagnostics.sortedBySource())
    }

    private static func rule(for kind: YAMLError.Kind) -> LintRule {
        switch kind {
        case .syntax: return .yamlSyntax
        case .duplicateKey: return .duplicateKey
        case .alias: return .yamlAlias
        case .structure: return .yamlStructure
        }
    }
}

/// What linting one file found.
public struct LintReport: Sendable {
    public var file: String
    /// The file's text, for printing the offending line under a diagnostic. Decoded from `sourceBytes` on
    /// each access (a clean report of a large file never needs it): keep the result when reading it more
    /// than once.
    public var source: String? {
        get { sourceBytes.map { String(decoding: $0, as: UTF8.self) } }
        set { sourceBytes = newValue.map { Array($0.utf8) } }
    }
    /// The file as read (nil when it could not be read).
    public var sourceBytes: [UInt8]?
    /// The decoded configuration, as far as it could be decoded (nil when the YAML itself is broken).
    public var configuration: SwitchboardConfiguration?
    public var diagnostics: [Diagnostic]

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
