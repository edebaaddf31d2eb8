import AsyncHTTPClient
import NIOCore

/// Reads an OpenAI-compatible SSE answer one chunk at a time, in the reader's own task: the body is
/// pulled as the consumer asks for chunks, so an event costs no hop through a relaying task of its own.
///
/// Each event becomes one chunk that keeps the event's bytes, until `[DONE]`. Leading events that add
/// nothing (the role-only first chunk) are held back until one that does, so that a stream that dies
/// before its first token can still fail over. A stream that ends without `[DONE]` or a finish reason,
/// or whose events are not chunks, is an error: never a silent clean finish.
final class OpenAIEventReader: @unchecked Sendable {
    // Unchecked: an unfolding stream calls `next()` for one consumer at a time, never concurrently.
    private var body: HTTPClientResponse.Body.AsyncIterator
    private let limit: Int
    private var parser = SSEParser()
    private var received = 0
    private var finished = false
    private var ended = false
    private var heldBack: [ChatChunk]? = []
    private var ready: [ChatChunk] = []
    private var readyIndex = 0

    init(_ body: HTTPClientResponse.Body, limit: Int) {
        self.body = body.makeAsyncIterator()
        self.limit = limit
    }

    /// The chunks as a stream that reads the body only when asked.
    static func stream(_ body: HTTPClientResponse.Body, limit: Int) -> AsyncThrowingStream<ChatChunk, any Error> {
        let reader = OpenAIEventReader(body, limit: limit)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    func next() async throws(UpstreamFailure) -> ChatChunk? {
        while true {
            if readyIndex < ready.count {
                defer { readyIndex += 1 }
                return ready[readyIndex]
            }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            if ended { return nil }
            let buffer: ByteBuffer?
            do {
                buffer = try await body.next()
            } catch {
                ended = true
                throw UpstreamHTTP.failure(for: error)
            }
            guard let buffer else {
                ended = true
                // Servers that end with a finish reason but no [DONE] (some local ones) still finished cleanly.
                if finished && !parser.hasPartialEvent { return nil }
                throw .transport(.connectionReset, "the stream ended before [DONE]")
            }
            try read(buffer)
        }
    }

    private func read(_ buffer: ByteBuffer) throws(UpstreamFailure) {
        received += buffer.readableBytes
        if received > limit {
            ended = true
            throw .malformed("the stream is larger than \(limit) bytes")
        }
        for event in parser.feed(buffer.readableBytesView) {
            if event == Self.done {
                ready.append(contentsOf: heldBack ?? [])
                heldBack = nil
                ended = true
                return
            }
            guard let chunk = OpenAIChatAdapter.chunk(event) else {
                ended = true
                throw .malformed("a streamed event is not a chat.completion.chunk")
            }
            if chunk.choices.contains(where: { $0.finishReason != nil }) { finished = true }
            if var held = heldBack {
                held.append(chunk)
                guard chunk.usage == nil, chunk.choices.allSatisfy(\.isEmpty) else {
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

    private static let done = Array("[DONE]".utf8)
}
