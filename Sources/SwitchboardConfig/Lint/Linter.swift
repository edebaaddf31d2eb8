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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = Self.describe(readError: error, path: path)
            return LintReport(
                file: path, source: nil, configuration: nil,
                diagnostics: [Diagnostic(.error, .ioError, "cannot read '\(path)': \(reason)", at: .start, file: path)])
        }
        return lint([UInt8](data), file: path)
    }

    /// Lints `bytes` as if read from `file` (the name is only used in diagnostics).
    public func lint(_ bytes: [UInt8], file: String) -> LintReport {
        let source = String(decoding: bytes, as: UTF8.self)
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(bytes)
        } catch {
            let diagnostic = Diagnostic(.error, Self.rule(for: error.kind), error.message, at: error.location, file: file)
            return LintReport(file: file, source: source, configuration: nil, diagnostics: [diagnostic])
        }
        var diagnostics = SecretScanner.scan(root)
        var decoder = ConfigDecoder(catalog: catalog)
        let configuration = decoder.decode(root)
        diagnostics += decoder.diagnostics
        var references = ReferenceChecks(configuration: configuration, catalog: catalog)
        diagnostics += references.run()
        if let environment {
            diagnostics += EnvironmentChecks(configuration: configuration, catalog: catalog, environment: environment).run()
        }
        for index in diagnostics.indices { diagnostics[index].file = file }
        return LintReport(
            file: file, source: source, configuration: configuration, diagnostics: diagnostics.sortedBySource())
    }

    private static func rule(for kind: YAMLError.Kind) -> LintRule {
        switch kind {
        case .syntax: return .yamlSyntax
        case .duplicateKey: return .duplicateKey
        case .alias: return .yamlAlias
        case .structure: return .yamlStructure
        }
    }

    private static func describe(readError error: Error, path: String) -> String {
        let files = FileManager.default
        if !files.fileExists(atPath: path) { return "no such file" }
        // `fileExists(atPath:isDirectory:)` takes a Bool here and an ObjCBool with Darwin's Foundation.
        if (try? files.attributesOfItem(atPath: path))?[.type] as? FileAttributeType == .typeDirectory {
            return "it is a directory"
        }
        // FoundationEssentials has no `localizedDescription`: the operating system's words for the cause.
        if let cause = (error as? CocoaError)?.underlying as? POSIXError {
            return String(cString: strerror(cause.code.rawValue))
        }
        return String(describing: error)
    }
}

/// What linting one file found.
public struct LintReport: Sendable {
    public var file: String
    /// The file's text, for printing the offending line under a diagnostic.
    public var source: String?
    /// The decoded configuration, as far as it could be decoded (nil when the YAML itself is broken).
    public var configuration: SwitchboardConfiguration?
    public var diagnostics: [Diagnostic]

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
