/// A `SourceRange` in 16 bytes, for the node records and parse events a large file has hundreds of
/// thousands of (a `SourceRange` of four `Int`s takes 32).
struct PackedRange: Sendable {
    var startLine: Int32
    var startColumn: Int32
    var endLine: Int32
    var endColumn: Int32

    init(startLine: Int32, startColumn: Int32, endLine: Int32, endColumn: Int32) {
        self.startLine = startLine
        self.startColumn = startColumn
        self.endLine = endLine
        self.endColumn = endColumn
    }

    /// Positions past `Int32.max` (a file of over two billion lines or columns) are clamped.
    init(_ range: SourceRange) {
        self.init(
            startLine: Int32(clamping: range.start.line), startColumn: Int32(clamping: range.start.column),
            endLine: Int32(clamping: range.end.line), endColumn: Int32(clamping: range.end.column))
    }

    var start: SourceLocation { SourceLocation(line: Int(startLine), column: Int(startColumn)) }
    var end: SourceLocation { SourceLocation(line: Int(endLine), column: Int(endColumn)) }
    var range: SourceRange { SourceRange(start: start, end: end) }
}
