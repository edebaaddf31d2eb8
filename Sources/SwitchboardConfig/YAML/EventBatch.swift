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
        var span: PackedRange
        /// A scalar's text in `text`.
        var textStart: Int32
        var textCount: Int32
        /// Indices into `names`, or -1 (an alias's name is its `anchor`).
        var tag: Int32
        var anchor: Int32
    }

    var events: [Event] = []
    /// Scalar texts, one after another, in the first `textCount` bytes. The array is sized ahead and
    /// written in place: `append(contentsOf:)` cost more than the copy itself for these short texts.
    private(set) var text: [UInt8]
    private(set) var textCount = 0
    /// Tags and anchor names (rare).
    var names: [String] = []
    /// Set on the last batch of a stream that libyaml could not read to its end.
    var error: YAMLError?
    /// Whether the stream ends with this batch.
    var isLast = false

    init(capacity: Int) {
        events.reserveCapacity(capacity)
        text = [UInt8](repeating: 0, count: capacity * 12)
    }

    func name(_ index: Int32) -> String? { index < 0 ? nil : names[Int(index)] }

    mutating func addName(_ name: String?) -> Int32 {
        guard let name else { return -1 }
        names.append(name)
        return Int32(names.count - 1)
    }

    /// Copies `bytes` to `text`; returns their start.
    mutating func addText(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let start = textCount
        if text.count - start < bytes.count {
            text.append(contentsOf: repeatElement(0, count: max(text.count, bytes.count)))
        }
        if let source = bytes.baseAddress {
            text.withUnsafeMutableBufferPointer { buffer in
                guard let destination = buffer.baseAddress else { return }
                (destination + start).update(from: source, count: bytes.count)
            }
        }
        textCount += bytes.count
        return Int32(truncatingIfNeeded: start)
    }

    /// Calls `body` with the texts of all the batch's scalars, one after another.
    func withText<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws(YAMLError) -> Result) throws(YAMLError) -> Result {
        try text.withUnsafeBufferPointer { buffer throws(YAMLError) in
            try body(UnsafeBufferPointer(rebasing: buffer[0..<textCount]))
        }
    }
}
