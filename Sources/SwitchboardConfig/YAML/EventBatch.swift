/// A run of parse events in compact form, with the scalar texts and names they refer to. libyaml's events
/// are read into batches so that reading (libyaml's work) and composing (building the tree) can run on
/// two threads, handing batches over instead of one event at a time.
struct EventBatch: Sendable {
    enum Kind: UInt8, Sendable {
        case documentStart
        case scalar
        case sequenceStart
        case mappingStart
        case collectionEnd
        case alias
    }

    struct Event: Sendable {
        var kind: Kind
        var isPlain: Bool
        var startLine: Int32
        var startColumn: Int32
        var endLine: Int32
        var endColumn: Int32
        /// A scalar's text, or an alias's name, in `text`.
        var textStart: Int32
        var textCount: Int32
        /// Indices into `names`, or -1.
        var tag: Int32
        var anchor: Int32

        var start: SourceLocation { SourceLocation(line: Int(startLine), column: Int(startColumn)) }
        var end: SourceLocation { SourceLocation(line: Int(endLine), column: Int(endColumn)) }
        var range: SourceRange { SourceRange(start: start, end: end) }
    }

    var events: [Event] = []
    /// Scalar texts and alias names, one after another.
    var text: [UInt8] = []
    /// Tags and anchor names (rare).
    var names: [String] = []
    /// Set on the last batch of a stream that libyaml could not read to its end.
    var error: YAMLError?
    /// Whether the stream ends with this batch.
    var isLast = false

    init(capacity: Int) {
        events.reserveCapacity(capacity)
        text.reserveCapacity(capacity * 12)
    }

    func name(_ index: Int32) -> String? { index < 0 ? nil : names[Int(index)] }

    mutating func addName(_ name: String?) -> Int32 {
        guard let name else { return -1 }
        names.append(name)
        return Int32(names.count - 1)
    }

    /// Copies `bytes` to `text`; returns their start.
    mutating func addText(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let start = text.count
        text.append(contentsOf: bytes)
        return Int32(truncatingIfNeeded: start)
    }

    /// Calls `body` with an event's text.
    func withText<Result>(of event: Event, _ body: (UnsafeBufferPointer<UInt8>) throws(YAMLError) -> Result)
        throws(YAMLError) -> Result
    {
        try text.withUnsafeBufferPointer { buffer throws(YAMLError) in
            try body(UnsafeBufferPointer(rebasing: buffer[Int(event.textStart)..<Int(event.textStart + event.textCount)]))
        }
    }
}
