import FuzzerEntry  // links ConfigFuzzer_main, the entry point SwiftPM asks for
import SwitchboardConfig

/// A fixed environment for the `--check-env` checks: a real-looking key, a placeholder, an empty value,
/// a duplicate and a key with the wrong prefix, under names the seeds and the dictionary use. The fake
/// keys are assembled at run time, so no key-shaped literal is committed.
private let fakeOpenAIKey = "sk-" + "fuzz" + String(repeating: "0", count: 28)
private let environment: [String: String] = [
    "OPENAI_API_KEY": fakeOpenAIKey,
    "VITE_OPENAI_API_KEY": fakeOpenAIKey,
    "HF_API_KEY": "your-api-key-here",
    "HUGGINGFACE_API_KEY": "",
    "BYTEZ_API_KEY": "hf_" + "notabytezkey" + String(repeating: "0", count: 16),
    "A": "x",
]

private let linter = Linter(environment: environment)
private let formatter = DiagnosticFormatter(useColor: false)

/// One input through everything the config path does with a providers.yaml: libyaml and the composer
/// (`YAMLParser`), the tree accessors, the linter (decoder, reference, secret and environment checks),
/// the text and JSON formatters, and `SwitchboardConfiguration.parse`, which the engine uses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The YAML layer on its own, and a walk of every node it built (aliases included).
    if let root = try? YAMLParser.parse(bytes) {
        var nodes = 0
        root.forEachNode { node in
            nodes += 1
            _ = node.range
            _ = node.tag
            _ = node.isNull
            _ = node.kindDescription
        }
        precondition(nodes >= 1)
        _ = root["version"]
        _ = root.hashValue
    }

    // The linter, as `switchboard lint --check-env` runs it, and both output formats.
    let report = linter.lint(bytes, file: "fuzz.yaml")
    for diagnostic in report.diagnostics {
        precondition(
            diagnostic.location.line >= 1 && diagnostic.location.column >= 1,
            "diagnostic at \(diagnostic.location): \(diagnostic.message)")
    }
    if report.configuration == nil {
        precondition(report.errorCount > 0, "no configuration and no error")
    }
    _ = formatter.text(report)
    _ = formatter.json([report])
    _ = formatter.summary([report])

    // What the engine and the server's hot reload call.
    let text = String(decoding: bytes, as: UTF8.self)
    if let loaded = try? SwitchboardConfiguration.parse(text, file: "fuzz.yaml") {
        for pool in loaded.configuration.keyPools { _ = pool.resolve(in: environment) }
    }
    return 0
}
