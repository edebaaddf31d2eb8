/// The storage behind every `YAMLNode` of one parsed document: flat arrays of node records, child
/// indices and scalar bytes. A large file becomes a few large allocations instead of one object per
/// node (or one string per scalar), which makes building the tree and freeing it cheap.
final class YAMLTree: Sendable {
    enum Kind: UInt8 {
        case scalar
        case sequence
        case mapping
    }

    /// One node, in 28 bytes: a large file has a hundred thousand of them, and every page of records
    /// costs a page fault.
    struct Record {
        var span: PackedRange
        /// A scalar's first byte in `text`; a collection's first index into `children`.
        var payload: Int32
        /// A scalar's length in bytes; a collection's number of entries in `children` (twice the pairs
        /// for a mapping).
        var count: Int32
        var kind: Kind
        var isPlain: Bool
        /// Whether `tagOfNode` holds this node's explicit tag. Tags are rare, so they live aside, and the
        /// flag spares an untagged node (nearly all) the dictionary lookup.
        var hasTag: Bool
        /// A scalar's text is all ASCII: it then equals another text only byte for byte (see
        /// `YAMLTree.textsEqual`).
        var isASCII: Bool

        var start: SourceLocation { span.start }

        /// A scalar's text within `text`, the tree's text or the composer's.
        func text(in text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: text[Int(payload)..<Int(payload + count)])
        }
    }

    let records: [Record]
    let children: [Int32]
    /// Every scalar's UTF-8 text, one after another (libyaml hands out valid UTF-8 only).
    let text: [UInt8]
    let tags: [String]
    /// Index into `tags` of each tagged node.
    let tagOfNode: [Int32: Int32]

    init(records: [Record], children: [Int32], text: [UInt8], tags: [String], tagOfNode: [Int32: Int32]) {
        self.records = records
        self.children = children
        self.text = text
        self.tags = tags
        self.tagOfNode = tagOfNode
    }

    /// The explicit tag of node `index`, if it has one.
    func tag(of index: Int32) -> String? {
        guard records[Int(index)].hasTag, let tag = tagOfNode[index] else { return nil }
        return tags[Int(tag)]
    }

    /// The text of scalar record `record` as a `String`.
    func string(_ record: Record) -> String {
        text.withUnsafeBufferPointer { buffer in
            String(decoding: record.text(in: buffer), as: UTF8.self)
        }
    }

    /// Calls `body` with the bytes of scalar record `record`, without making a string.
    func withBytes<Result>(of record: Record, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try text.withUnsafeBufferPointer { buffer in
            try body(record.text(in: buffer))
        }
    }

    /// Whether scalar record `record` is the text `name`, as Swift compares strings.
    func scalar(_ record: Record, equals name: String) -> Bool {
        var name = name
        return name.withUTF8 { expected in
            withBytes(of: record) { Self.textsEqual($0, isASCII: record.isASCII, expected, isASCII: nil) }
        }
    }

    /// Whether two UTF-8 texts are equal as Swift strings are: byte for byte, or, when either is not
    /// ASCII, by canonical equivalence (`é` written as one scalar or as `e` and a combining accent; the
    /// Kelvin sign and `K`). Keys are compared this way everywhere, so that whether two keys are
    /// duplicates never depends on how large their mapping is, and two names the decoder would take
    /// for the same never both pass. `nil` for an ASCII flag means "not known yet".
    static func textsEqual(
        _ a: UnsafeBufferPointer<UInt8>, isASCII aIsASCII: Bool?, _ b: UnsafeBufferPointer<UInt8>, isASCII bIsASCII: Bool?
    ) -> Bool {
        if a.count == b.count && a.elementsEqual(b) { return true }
        if aIsASCII ?? isASCII(a), bIsASCII ?? isASCII(b) { return false }
        return String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self)
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 < 0x80 }
    }
}
