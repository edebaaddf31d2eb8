/// Splits a Server-Sent Events byte stream into the `data` of each event (fields other than `data`
/// and comment lines are ignored; multi-line data is joined with newlines).
struct SSEParser {
    private var line: [UInt8] = []
    private var data: [String] = []
    private var sawCarriageReturn = false

    /// Feeds bytes; returns the data of every event they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
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
    var hasPartialEvent: Bool { !line.isEmpty || !data.isEmpty }

    private mutating func endLine(into events: inout [String]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if !data.isEmpty { events.append(data.joined(separator: "\n")) }
            data.removeAll()
            return
        }
        if line.first == UInt8(ascii: ":") { return }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("data") else { return }
        var value = text.dropFirst(4)
        if value.first == ":" { value = value.dropFirst() } else if !value.isEmpty { return }
        if value.first == " " { value = value.dropFirst() }
        data.append(String(value))
    }
}
