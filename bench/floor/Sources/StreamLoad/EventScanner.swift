import NIOCore

/// Splits a server-sent-event body into events as its bytes arrive, in reads of any size: an event ends at a
/// blank line (`\n\n`, `\r` ignored, so `\r\n\r\n` too) and counts when it had a `data:` line. Keeps nothing
/// but a few flags and the first bytes of the current line, so scanning allocates nothing.
struct EventScanner {
    /// Whether a `data: [DONE]` line has been seen.
    private(set) var sawDone = false
    /// Whether a finished event so far carried text: `"content":` then a string that is not empty.
    private(set) var sawText = false

    private static let headCapacity = 16
    private static let data = Array("data:".utf8)
    private static let done = Array("data: [DONE]".utf8)
    private static let doneTight = Array("data:[DONE]".utf8)
    private static let contentKey = Array(#""content":"#.utf8)

    /// The first bytes of the current line (enough to recognise `data:` and `data: [DONE]`).
    private var lineHead: [UInt8]
    private var lineLength = 0
    private var eventHasData = false
    private var eventHasText = false
    /// Progress through `"content":` (0…10), 11 once past its opening quote; only until the first text.
    private var contentMatch = 0

    init() {
        lineHead = []
        lineHead.reserveCapacity(Self.headCapacity)
    }

    /// Scans `buffer` and returns how many events it completed.
    mutating func scan(_ buffer: ByteBuffer) -> Int {
        buffer.withUnsafeReadableBytes { bytes in
            var completed = 0
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\r"):
                    continue
                case UInt8(ascii: "\n"):
                    if lineLength == 0 {
                        if eventHasData {
                            completed += 1
                            if eventHasText { sawText = true }
                        }
                        eventHasData = false
                        eventHasText = false
                    } else {
                        lineEnded()
                    }
                default:
                    lineLength += 1
                    if lineHead.count < Self.headCapacity { lineHead.append(byte) }
                    if !sawText && !eventHasText { matchContent(byte) }
                }
            }
            return completed
        }
    }

    private mutating func lineEnded() {
        if lineHead.starts(with: Self.data) {
            eventHasData = true
            if lineLength <= Self.done.count && (lineHead == Self.done || lineHead == Self.doneTight) { sawDone = true }
        }
        lineHead.removeAll(keepingCapacity: true)
        lineLength = 0
        contentMatch = 0
    }

    private mutating func matchContent(_ byte: UInt8) {
        switch contentMatch {
        case ..<Self.contentKey.count:
            if byte == Self.contentKey[contentMatch] {
                contentMatch += 1
            } else {
                contentMatch = byte == Self.contentKey[0] ? 1 : 0
            }
        case Self.contentKey.count:
            if byte == UInt8(ascii: "\"") {
                contentMatch += 1
            } else if byte != UInt8(ascii: " ") {
                contentMatch = 0
            }
        default:
            eventHasText = byte != UInt8(ascii: "\"")
            contentMatch = 0
        }
    }
}
