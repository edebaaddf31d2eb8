/// The storage behind every `YAMLNode` of one parsed document: flat arrays of node records, child
/// indices and scalar texts. A large file becomes a few large allocations instead of one object per
/// node, which makes building the tree and freeing it cheap.
final class YAMLTree: Sendable {
    enum Kind: UInt8 {
        case scalar
        case sequence
        case mapping
    }

    struct Record {
        var kind: Kind
        var isPlain: Bool
        var startLine: Int32
        var startColumn: Int32
        var endLine: Int32
        var endColumn: Int32
        /// Index into `tags`, or -1.
        var tag: Int32
        /// A scalar's index into `strings`; a collection's first index into `children`.
        var payload: Int32
        /// A collection's number of entries in `children` (twice the pairs for a mapping).
        var count: Int32
        /// Nodes in this subtree, itself included, for the alias-expansion budget.
        var size: Int32

        var range: SourceRange {
            SourceRange(
                start: SourceLocation(line: Int(startLine), column: Int(startColumn)),
                end: SourceLocation(line: Int(endLine), column: Int(endColumn)))
        }
    }

    let records: [Record]
    let children: [Int32]
    let strings: [String]
    let tags: [String]

    init(records: [Record], children: [Int32], strings: [String], tags: [String]) {
        self.records = records
        self.children = children
        self.strings = strings
        self.tags = tags
    }
}
