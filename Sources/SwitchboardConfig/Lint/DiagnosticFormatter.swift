#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Prints diagnostics the way compilers do (`path:line:col: error: message [rule]`, the line, the
/// offending token underlined),
/// or as JSON for tools.
public struct DiagnosticFormatter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var useColor: Bool
    /// Source lines longer than this are shown as a window around the column.
    public var maxLineWidth = 160

    public init(useColor: Bool = false) {
        self.useColor = useColor
    }

    // MARK: - Text

    public func text(_ report: LintReport) -> String {
        guard !report.diagnostics.isEmpty else { return "" }
        let lines = report.source.map(SourceLines.init)
        // Redacting a line and splitting it into scalars costs its length: do it once per line, however many
        // diagnostics point into it (a one-line flow mapping can carry thousands).
        var prepared: [Int: [Unicode.Scalar]] = [:]
        // Where literal secrets were found, by line: masked on every echo of that line, whichever
        // diagnostic echoes it (a key with no known prefix escapes `redact`).
        var secrets: [Int: [Int]] = [:]
        for diagnostic in report.diagnostics where diagnostic.rule == .literalSecret {
            secrets[diagnostic.location.line, default: []].append(diagnostic.location.column)
        }
        var output = ""
        for diagnostic in report.diagnostics {
            let severity = diagnostic.severity == .error ? paint("error", "1;31") : paint("warning", "1;35")
            let file = diagnostic.file ?? report.file
            output += paint("\(file):\(diagnostic.location):", "1")
            output += " \(severity): \(diagnostic.message) [\(diagnostic.rule.rawValue)]\n"
            output += echo(diagnostic.location, lines: lines, secrets: secrets, prepared: &prepared)
            for note in diagnostic.notes {
                output += paint("\(file):\(note.location):", "1") + " " + paint("note", "1;36") + ": \(note.message)\n"
                output += echo(note.location, lines: lines, secrets: secrets, prepared: &prepared)
            }
        }
        return output
    }

    /// The source line at `location` (redacted) and the underline under its token; empty without source.
    private func echo(
        _ location: SourceLocation, lines: SourceLines?, secrets: [Int: [Int]], prepared: inout [Int: [Unicode.Scalar]]
    ) -> String {
        let number = location.line
        var scalars = prepared[number]
        if scalars == nil, let source = lines?[number] {
            // Keys pasted into the file are not echoed into terminals and CI logs.
            var redacted = Array(SecretScanner.redact(source).unicodeScalars)
            // Right to left, so masking one token keeps the columns of those before it.
            for column in (secrets[number] ?? []).sorted(by: >) { redacted = SecretScanner.mask(redacted, at: column) }
            scalars = redacted
            prepared[number] = scalars
        }
        guard let scalars else { return "" }
        let (line, caretColumn) = excerpt(scalars, column: location.column)
        let underline = "^" + String(repeating: "~", count: Self.tokenWidth(Array(line.unicodeScalars), column: caretColumn) - 1)
        return line + "\n" + caretIndent(line, column: caretColumn) + paint(underline, "1;32") + "\n"
    }

    /// Lines by number, found by one pass over the bytes (splitting a large file into Characters costs
    /// more than linting it).
    private struct SourceLines {
        let bytes: [UInt8]
        var starts: [Int] = [0]

        init(_ text: String) {
            bytes = Array(text.utf8)
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
        }

        /// Line `number` (1-based) without its line break, or nil past the end.
        subscript(number: Int) -> String? {
            guard number >= 1, number <= starts.count else { return nil }
            var end = number < starts.count ? starts[number] - 1 : bytes.count
            if end > starts[number - 1], bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            return String(decoding: bytes[starts[number - 1]..<max(end, starts[number - 1])], as: UTF8.self)
        }
    }

    public func summary(_ reports: [LintReport]) -> String {
        let errors = reports.reduce(0) { $0 + $1.errorCount }
        let warnings = reports.reduce(0) { $0 + $1.warningCount }
        let files = reports.count == 1 ? "1 file" : "\(reports.count) files"
        return "\(files) checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }

    /// The line (or a window of it) and the caret's column within what is shown.
    private func excerpt(_ scalars: [Unicode.Scalar], column: Int) -> (String, Int) {
        guard scalars.count > maxLineWidth else { return (String(String.UnicodeScalarView(scalars)), column) }
        let start = max(0, min(column - 1 - maxLineWidth / 2, scalars.count - maxLineWidth))
        let end = min(scalars.count, start + maxLineWidth)
        var shown = String(String.UnicodeScalarView(scalars[start..<end]))
        var caret = column - start
        if start > 0 {
            shown = "…" + shown
            caret += 1
        }
        if end < scalars.count { shown += "…" }
        return (shown, caret)
    }

    /// How many columns the token at `column` spans, to underline all of it: a quoted scalar to its
    /// closing quote, a plain one up to `,`, `]`, `}`, `: `, ` #` or the end of the line (trailing spaces
    /// left out); 1 for an indicator (`{`, `[`, `-`, `&`, `*`, …) or a column past the end.
    package static func tokenWidth(_ scalars: [Unicode.Scalar], column: Int) -> Int {
        let start = column - 1
        guard start >= 0, start < scalars.count else { return 1 }
        let first = scalars[start]
        if first == "\"" || first == "'" {
            // To the closing quote; one that closes on a later line gets the caret alone.
            return SourceText.closingQuote(first, in: scalars, from: start + 1).map { $0 - start + 1 } ?? 1
        }
        if "{}[],-&*!|>%@`? \t".unicodeScalars.contains(first) { return 1 }
        var end = start
        while end < scalars.count {
            let scalar = scalars[end]
            if scalar == "," || scalar == "]" || scalar == "}" { break }
            let next = end + 1 < scalars.count ? scalars[end + 1] : " "
            if scalar == ":", next == " " || next == "\t" { break }
            if scalar == " " || scalar == "\t", next == "#" { break }
            end += 1
        }
        while end > start + 1, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        return max(1, end - start)
    }

    /// Spaces up to the column, keeping tabs so the caret lines up under tab-indented text.
    private func caretIndent(_ line: String, column: Int) -> String {
        String(line.unicodeScalars.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " })
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    // MARK: - JSON

    /// An array of `{column, file, line, message, notes?, rule, severity}`, keys sorted (SwiftLint's shape;
    /// `notes`, each `{column, line, message}`, only when a finding has some).
    public func json(_ reports: [LintReport]) -> String {
        struct Note: Encodable {
            var line: Int
            var column: Int
            var message: String
        }
        struct Entry: Encodable {
            var file: String
            var line: Int
            var column: Int
            var severity: String
            var rule: String
            var message: String
            /// Left out when there are none.
            var notes: [Note]?
        }
        let entries = reports.flatMap { report in
            report.diagnostics.map {
                Entry(file: $0.file ?? report.file, line: $0.location.line, column: $0.location.column,
                      severity: $0.severity.rawValue, rule: $0.rule.rawValue, message: $0.message,
                      notes: $0.notes.isEmpty ? nil : $0.notes.map {
                          Note(line: $0.location.line, column: $0.location.column, message: $0.message)
                      })
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entries) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
