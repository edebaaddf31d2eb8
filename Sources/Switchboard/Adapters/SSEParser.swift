/// Splits a Server-Sent Events byte stream into the `data` of each event (fields other than `data`
/// and comment lines are ignored; multi-line data is joined with newlines).
struct SSEParser {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var sawCarriageReturn = false

    /// Feeds bytes; returns the data of every event they complete, as bytes.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                sawCarriageReturn = true
                endLine(into: &events)
            case UInt8(ascii: "\n"):
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Whether a partial event is buffered (a stream that ends here was cut off).
    var hasPartialEvent: Bool { !line.isEmpty || hasData }

    private static let field = Array("data".utf8)

    private mutating func endLine(into events: inout [[UInt8]]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData { events.append(data) }
            data.removeAll(keepingCapacity: true)
            hasData = false
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        guard line.starts(with: Self.field) else { return }
        var start = Self.field.count
        if start < line.count {
            guard line[start] == UInt8(ascii: ":") else { return }
            start += 1
            if start < line.count, line[start] == UInt8(ascii: " ") { start += 1 }
        }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: line[start...])
        hasData = true
    }
}
