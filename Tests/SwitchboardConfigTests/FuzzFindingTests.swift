import Foundation
@testable import SwitchboardConfig
import Testing

/// What the fuzzing of the configuration path (fuzz/) found, as behaviour that must hold. The findings
/// were costs that grew with the square of the input; their speed is checked by `fuzz/scaling.py`, run by
/// hand, not here. These tests pin down the behaviour the fixes chose and lint every finding's seed.
struct FuzzFindingTests {
    @Test(arguments: try findingFiles())
    func everyFindingSeedLintsToACompleteReport(_ path: String) throws {
        let report = Linter(environment: [:]).lint(file: path)
        #expect(report.configuration != nil || report.errorCount > 0)
        for diagnostic in report.diagnostics {
            #expect(diagnostic.location.line >= 1 && diagnostic.location.column >= 1)
        }
        // Both formatters handle whatever the report holds.
        #expect(!DiagnosticFormatter().text(report).isEmpty || report.diagnostics.isEmpty)
        #expect(!DiagnosticFormatter().json([report]).isEmpty)
    }

    @Test func hintsAgainstTheFilesOwnNamesStopAtTheBudget() {
        // Each unknown provider is one letter off a declared one, so each would get a hint.
        let count = Suggestion.budget + 20
        var lines = ["version: 1", "providers:"]
        for index in 0..<count { lines.append("  provider\(index): { adapter: template, options: { templates: { a: x } } }") }
        lines.append("routes:")
        for index in 0..<count { lines.append("  r\(index): [{ provider: provider\(index)x, priority: 1 }]") }
        let report = Linter().lint(Array(lines.joined(separator: "\n").utf8), file: "hints.yaml")
        let unknown = report.diagnostics.filter { $0.rule == .unknownProvider }
        #expect(unknown.count == count)
        let hinted = unknown.filter { $0.message.contains("did you mean") }
        #expect(hinted.count == Suggestion.budget)
    }

    @Test func aBadTemplateReferenceListsFewNamesAndCountsMany() {
        func lint(templates: Int) -> String? {
            var lines = ["version: 1", "providers:", "  t:", "    adapter: template", "    options:", "      templates:"]
            for index in 0..<templates { lines.append("        a\(index): x") }
            lines += ["routes:", "  r: [{ provider: t, priority: 1, parameters: { template: nope } }]"]
            return Linter().lint(Array(lines.joined(separator: "\n").utf8), file: "t.yaml").diagnostics
                .first { $0.rule == .invalidAdapterOption }?.message
        }
        let few = lint(templates: 3)
        #expect(few?.contains("(a0, a1, a2)") == true)
        let many = lint(templates: ConfigDecoder.listedNames + 5)
        #expect(many?.contains("(\(ConfigDecoder.listedNames + 5) names)") == true)
        #expect(many?.contains("a0, a1") == false)
    }

    @Test func bodyContainsComparesUTF8BytesAndAnEmptyPartMatchesNothing() {
        let rule = ErrorMatch.http(statuses: nil, bodyContains: "loading")
        #expect(rule.matches(status: 503, body: "Model is loading, retry"))
        #expect(!rule.matches(status: 503, body: "Model is ready"))
        #expect(!ErrorMatch.http(statuses: nil, bodyContains: "").matches(status: 503, body: "anything"))
        #expect(ErrorMatch.http(statuses: nil, bodyContains: "modèle").matches(status: 503, body: "le modèle charge"))
        // A longer needle covers a shorter one it contains, never the other way round.
        let long = ErrorMatch.http(statuses: nil, bodyContains: String(repeating: "a", count: 5_000) + "b")
        let short = ErrorMatch.http(statuses: nil, bodyContains: String(repeating: "a", count: 2_500) + "b")
        #expect(short.covers(long))
        #expect(!long.covers(short))
    }

    @Test func sourceMapFindsTheLatestFieldPastItsIndexThreshold() {
        var map = SourceMap(range: SourceRange(at: SourceLocation(line: 1, column: 1)))
        for index in 0..<40 {
            map.record(field: "env.\(index)", key: SourceLocation(line: index + 2, column: 3),
                       value: SourceLocation(line: index + 2, column: 7))
        }
        map.record(field: "env.5", key: SourceLocation(line: 99, column: 1), value: SourceLocation(line: 99, column: 5))
        #expect(map.value("env.39") == SourceLocation(line: 41, column: 7))
        #expect(map.value("env.5") == SourceLocation(line: 99, column: 5))
        #expect(map.key("env.0") == SourceLocation(line: 2, column: 3))
        #expect(map.value("absent") == SourceLocation(line: 1, column: 1))
    }

    @Test func aLongOneLineFileEchoesTheLineOncePerDiagnosticInAWindow() {
        let keys = (0..<300).map { "k\($0): 1" }.joined(separator: ", ")
        let report = Linter().lint(Array("{version: 1, \(keys)}\n".utf8), file: "one-line.yaml")
        #expect(report.diagnostics.filter { $0.rule == .unknownField }.count == 300)
        let text = DiagnosticFormatter().text(report)
        // Every diagnostic echoes a window of the line, never the whole 3 KB line.
        for line in text.split(separator: "\n") { #expect(line.count < 400) }
    }
}

private func findingFiles() throws -> [String] {
    let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/findings")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0).path }
}
