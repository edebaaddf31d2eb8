/// libyaml's account of a syntax error, retold in the user's terms where the usual mistakes can be
/// recognised: a quote left open (libyaml notices lines later), a line indented unlike its neighbours,
/// a tab. libyaml's own words stay, as a note at its position.
struct YAMLSyntaxHint: Equatable {
    var message: String
    var location: SourceLocation

    /// libyaml's problem and context, in the shape `explain` reads them.
    struct Report {
        var problem: String
        var problemAt: SourceLocation
        var context: String?
        var contextAt: SourceLocation?
    }

    /// Lines looked back through for an open quote when libyaml gives no context.
    static let lookBack = 50

    /// A better message and place, or nil when the mistake is not one of those recognised.
    static func explain(_ report: Report, in bytes: [UInt8]) -> YAMLSyntaxHint? {
        let lines = SourceText(bytes)
        if report.context == "while scanning a quoted scalar", let start = report.contextAt,
            let quote = lines.scalar(at: start), quote == "\"" || quote == "'"
        {
            return YAMLSyntaxHint(message: unclosed(quote), location: start)
        }
        if report.problem == "found character that cannot start any token", lines.scalar(at: report.problemAt) == "\t" {
            let leading = lines[report.problemAt.line]?.prefix(report.problemAt.column - 1)
                .allSatisfy { $0 == " " || $0 == "\t" } ?? false
            return YAMLSyntaxHint(
                message: leading
                    ? "a tab indents this line: YAML indents with spaces only"
                    : "a tab here cannot start a value: use spaces",
                location: report.problemAt)
        }
        if let mismatch = mismatchedBracket(report, lines: lines) { return mismatch }
        let first = max(1, report.contextAt?.line ?? report.problemAt.line - lookBack)
        for number in first...max(first, report.problemAt.line) {
            guard let (column, quote) = lines.openQuote(onLine: number) else { continue }
            let location = SourceLocation(line: number, column: column)
            guard location < report.problemAt else { break }
            // A string may legally go on over lines; it is the mistake when the quote that ends it is on the
            // line where libyaml stumbled (that quote was meant to open the next string), or never comes.
            let end = lines.closingQuote(of: quote, after: location)
            guard end.map({ $0.line == report.problemAt.line }) ?? true else { continue }
            return YAMLSyntaxHint(message: unclosed(quote), location: location)
        }
        return misindented(report, lines: lines)
    }

    /// `{ … ]` or `[ … }`: a flow collection closed with the other bracket.
    private static func mismatchedBracket(_ report: Report, lines: SourceText) -> YAMLSyntaxHint? {
        let pairs: [String: (open: String, close: String)] = [
            "did not find expected ',' or '}'": ("{", "}"), "did not find expected ',' or ']'": ("[", "]"),
        ]
        guard let pair = pairs[report.problem], let opened = report.contextAt, let found = lines.scalar(at: report.problemAt),
            found == "]" || found == "}", String(found) != pair.close
        else { return nil }
        return YAMLSyntaxHint(
            message: "'\(pair.open)' opened at \(opened) is closed with '\(found)': close it with '\(pair.close)'",
            location: report.problemAt)
    }

    private static func unclosed(_ quote: Unicode.Scalar) -> String {
        let kind = quote == "\"" ? "double" : "single"
        return "unclosed \(kind) quote: the string that starts here never ends, so what follows is read as part of it"
    }

    /// The problem line indented unlike the line before it, where that cannot be a new nested block.
    private static func misindented(_ report: Report, lines: SourceText) -> YAMLSyntaxHint? {
        let structural = [
            "mapping values are not allowed in this context", "did not find expected key",
            "did not find expected '-' indicator",
        ]
        guard structural.contains(report.problem) else { return nil }
        let number = report.problemAt.line
        guard let line = lines[number], let indent = SourceText.indentation(of: line) else { return nil }
        // A list entry lines up with the entry before it, a key with the line before it.
        let isEntry = report.problem == "did not find expected '-' indicator"
        var previousNumber = number - 1
        while previousNumber >= 1, let previous = lines[previousNumber],
            SourceText.isBlankOrComment(previous) || isEntry && previous.first(where: { $0 != " " }) != "-"
        {
            previousNumber -= 1
        }
        guard previousNumber >= 1, let previous = lines[previousNumber],
            let previousIndent = SourceText.indentation(of: previous), indent != previousIndent
        else { return nil }
        // Deeper under a line that opens a block is how nesting is written, not a mistake.
        if indent > previousIndent, SourceText.opensBlock(previous) { return nil }
        // "Mapping values are not allowed" from indentation means a line deeper than a plain `key: value`;
        // on a shallower line it is a second `: ` in a value (`a: b: c`), which libyaml says well enough.
        if report.problem == "mapping values are not allowed in this context", indent < previousIndent { return nil }
        let what = isEntry ? "entries of one list" : "keys of one mapping"
        return YAMLSyntaxHint(
            message: "this line is indented by \(indent) space\(indent == 1 ? "" : "s"), the \(isEntry ? "entry" : "line") "
                + "before it (line \(previousNumber)) by \(previousIndent): \(what) must line up",
            location: SourceLocation(line: number, column: indent + 1))
    }
}
