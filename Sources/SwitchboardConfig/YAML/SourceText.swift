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

    /// Where a comment starts on the line (a `#` at its start or after a space, outside quotes).
    static func commentStart(_ line: [Unicode.Scalar]) -> Int? {
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

    /// Whether the line leaves a `[` or `{` open (outside quotes) before index `end`: a scalar there is
    /// inside a flow collection, where `,`, `]` and `}` end it.
    static func opensFlowCollection(_ line: [Unicode.Scalar], before end: Int) -> Bool {
        var depth = 0
        var index = 0
        while index < end {
            let scalar = line[index]
            if scalar == "\"" || scalar == "'" {
                guard let close = closingQuote(scalar, in: line, from: index + 1) else { break }
                index = close + 1
                continue
            }
            if scalar == "[" || scalar == "{" {
                depth += 1
            } else if scalar == "]" || scalar == "}" {
                depth = max(0, depth - 1)
            }
            index += 1
        }
        return depth > 0
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
    static func closingQuote(_ quote: Unicode.Scalar, in line: [Unicode.Scalar], from index: Int) -> Int? {
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
