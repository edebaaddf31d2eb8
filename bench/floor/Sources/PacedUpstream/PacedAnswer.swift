import NIOCore

/// The bytes of every answer, encoded once at start: per event the upstream only hands a buffer to NIO.
struct PacedAnswer: Sendable {
    let events: Int
    let interval: TimeAmount
    /// `"delta":{"role":"assistant","content":""}`, sent with the response head.
    let role: ByteBuffer
    /// Content events `" tok0"` … `" tok15"`, used in turn.
    let tokens: [ByteBuffer]
    /// The finish-reason event, the usage chunk and `data: [DONE]`, in one write.
    let end: ByteBuffer
    /// The whole answer to a request that does not ask for a stream.
    let plain: ByteBuffer

    init(events: Int, interval: TimeAmount) {
        self.events = events
        self.interval = interval
        let chunk = #"data: {"id":"chatcmpl-paced","object":"chat.completion.chunk","created":1764201600,"model":"bench-model","choices":"#
        let delta = chunk + #"[{"index":0,"delta":"#
        role = ByteBuffer(string: delta + #"{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"# + "\n\n")
        tokens = (0..<16).map { word in
            ByteBuffer(string: delta + #"{"content":" tok\#(word)"},"logprobs":null,"finish_reason":null}]}"# + "\n\n")
        }
        end = ByteBuffer(string: delta + #"{},"logprobs":null,"finish_reason":"stop"}]}"# + "\n\n"
            + chunk + #"[],"usage":{"prompt_tokens":12,"completion_tokens":\#(events),"total_tokens":\#(12 + events)}}"# + "\n\n"
            + "data: [DONE]\n\n")
        plain = ByteBuffer(string: #"{"id":"chatcmpl-paced","object":"chat.completion","created":1764201600,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Server-sent events push text from a server to a client."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}}"#)
    }

    /// Whether a request body asks for a stream: `"stream"`, optional whitespace, `:`, optional whitespace,
    /// `true`. A byte search: no JSON parsing for a request the benchmark sends thousands of times.
    static func asksForStream(_ body: ByteBuffer) -> Bool {
        let bytes = body.readableBytesView
        let key = Array(#""stream""#.utf8), value = Array("true".utf8)
        var index = bytes.startIndex
        while index + key.count <= bytes.endIndex {
            defer { index += 1 }
            guard bytes[index..<(index + key.count)].elementsEqual(key) else { continue }
            var next = skipSpace(bytes, from: index + key.count)
            guard next < bytes.endIndex, bytes[next] == UInt8(ascii: ":") else { continue }
            next = skipSpace(bytes, from: next + 1)
            if next + value.count <= bytes.endIndex, bytes[next..<(next + value.count)].elementsEqual(value) { return true }
        }
        return false
    }

    private static func skipSpace(_ bytes: ByteBufferView, from start: Int) -> Int {
        var index = start
        while index < bytes.endIndex {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): index += 1
            default: return index
            }
        }
        return index
    }
}
