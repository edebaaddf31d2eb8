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

/// The lines of a file as Unicode scalars, for looking around an error position.
struct SourceText {
    private let lines: [[Unicode.Scalar]]

    init(_ bytes: [UInt8]) {
        lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { Array($0.unicodeScalars.filter { $0 != "\r" }) }
    }

    /// Line `number` (1-based), or nil past the end.
    subscript(number: Int) -> [Unicode.Scalar]? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    func scalar(at location: SourceLocation) -> Unicode.Scalar? {
        guard let line = self[location.line], location.column >= 1, location.column <= line.count else { return nil }
        return line[location.column - 1]
    }

    /// Leading spaces; nil for a blank or comment line.
    static func indentation(of line: [Unicode.Scalar]) -> Int? {
        guard !isBlankOrComment(line) else { return nil }
        return line.prefix { $0 == " " }.count
    }

    static func isBlankOrComment(_ line: [Unicode.Scalar]) -> Bool {
        guard let first = line.first(where: { $0 != " " && $0 != "\t" }) else { return true }
        return first == "#"
    }

    /// A line that ends in `key:` or `-` (a comment aside) opens a nested block below it.
    static func opensBlock(_ line: [Unicode.Scalar]) -> Bool {
        var text = line
        if let hash = commentStart(line) { text = Array(line[..<hash]) }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text.last == ":" || text.last == "-" || text.last == "|" || text.last == ">"
    }

    private static func commentStart(_ line: [Unicode.Scalar]) -> Int? {
        var quote: Unicode.Scalar?
        for index in line.indices {
            let scalar = line[index]
            if let open = quote {
                if scalar == open { quote = nil }
            } else if scalar == "\"" || scalar == "'" {
                quote = scalar
            } else if scalar == "#", index == 0 || line[index - 1] == " " {
                return index
            }
        }
        return nil
    }

    /// The column and character of a quote that starts a value on this line and is not closed on it.
    func openQuote(onLine number: Int) -> (column: Int, quote: Unicode.Scalar)? {
        guard let line = self[number] else { return nil }
        var index = 0
        while index < line.count {
            let scalar = line[index]
            if scalar == "#", index == 0 || line[index - 1] == " " { return nil }
            guard scalar == "\"" || scalar == "'", Self.startsValue(line, at: index) else {
                index += 1
                continue
            }
            guard let close = Self.closingQuote(scalar, in: line, from: index + 1) else { return (index + 1, scalar) }
            index = close + 1
        }
        return nil
    }

    /// Where the string opened at `start` ends, reading on over line breaks; nil when nothing closes it.
    func closingQuote(of quote: Unicode.Scalar, after start: SourceLocation) -> SourceLocation? {
        var number = start.line
        var index = start.column  // the scalar after the opening quote (columns are 1-based)
        while let line = self[number] {
            if let close = Self.closingQuote(quote, in: line, from: index) {
                return SourceLocation(line: number, column: close + 1)
            }
            number += 1
            index = 0
        }
        return nil
    }

    /// A quote starts a scalar only at the start of a value: after indentation, `:`, `-`, `?`, `[`, `{` or `,`.
    private static func startsValue(_ line: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, line[before] == " " || line[before] == "\t" { before -= 1 }
        guard before >= 0 else { return true }
        return ":-?[{,".unicodeScalars.contains(line[before])
    }

    /// The index of the `quote` that closes a string, looking from `index` on, honouring `\"` and `''`;
    /// nil when the line ends first.
    private static func closingQuote(_ quote: Unicode.Scalar, in line: [Unicode.Scalar], from index: Int) -> Int? {
        var index = index
        while index < line.count {
            let scalar = line[index]
            if quote == "\"", scalar == "\\" {
                index += 2
                continue
            }
            if scalar == quote {
                if quote == "'", index + 1 < line.count, line[index + 1] == "'" {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }
}
