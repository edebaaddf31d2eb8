import NIOCore

/// Turns an OpenAI-compatible SSE body into chunks, one upstream read at a time.
///
/// Each event becomes one chunk that keeps the event's bytes, until `[DONE]`. The chunks of one read
/// leave together: all but the last say that another follows. Leading events that add nothing (the
/// role-only first chunk) are held back until one that does, so that a stream that dies before its first
/// token can still fail over. A stream that ends without `[DONE]` or a finish reason, or whose events are
/// not chunks, is an error: never a silent clean finish.
struct OpenAIEventParser {
    private let limit: Int
    private var parser = SSEParser()
    private var received = 0
    private var finished = false
    private var heldBack: [ChatChunk]? = []
    /// `[DONE]` has been read: nothing after it counts.
    private(set) var done = false

    init(limit: Int) { self.limit = limit }

    /// The chunks `buffer` completes, and what broke the stream in it, if something did (the chunks
    /// before the break still go out first).
    mutating func feed(_ buffer: ByteBuffer) -> (chunks: [ChatChunk], failure: UpstreamFailure?) {
        guard !done else { return ([], nil) }
        var ready: [ChatChunk] = []
        var failure: UpstreamFailure?
        received += buffer.readableBytes
        if received > limit {
            failure = .malformed("the stream is larger than \(limit) bytes")
        } else {
            for event in parser.feed(buffer.readableBytesView) {
                if event == Self.doneEvent {
                    ready.append(contentsOf: heldBack ?? [])
                    heldBack = nil
                    done = true
                    break
                }
                guard let chunk = OpenAIEvent.chunk(event) else {
                    failure = .malformed("a streamed event is not a chat.completion.chunk")
                    break
                }
                if chunk.finishesAChoice { finished = true }
                if var held = heldBack {
                    held.append(chunk)
                    guard chunk.usage == nil, chunk.addsNothing else {
                        ready.append(contentsOf: held)
                        heldBack = nil
                        continue
                    }
                    heldBack = held
                } else {
                    ready.append(chunk)
                }
            }
        }
        for index in ready.indices.dropLast() { ready[index].moreFollows = true }
        return (ready, failure)
    }

    /// How the body's end ends the stream: nil when it finished cleanly.
    func end() -> UpstreamFailure? {
        // Servers that end with a finish reason but no [DONE] (some local ones) still finished cleanly.
        if done || (finished && !parser.hasPartialEvent) { return nil }
        return .transport(.connectionReset, "the stream ended before [DONE]")
    }

    private static let doneEvent = Array("[DONE]".utf8)
}
