import AsyncHTTPClient
import NIOCore

/// Reads an OpenAI-compatible SSE answer into chunks, the chunks of one upstream read together.
///
/// Each event becomes one chunk that keeps the event's bytes, until `[DONE]`. Leading events that add
/// nothing (the role-only first chunk) are held back until one that does, so that a stream that dies
/// before its first token can still fail over. A stream that ends without `[DONE]` or a finish reason,
/// or whose events are not chunks, is an error: never a silent clean finish.
final class OpenAIEventReader: @unchecked Sendable {
    // Unchecked: only the task of `stream(_:limit:)` calls `next()`.
    private var body: HTTPClientResponse.Body.AsyncIterator
    private let limit: Int
    private var parser = SSEParser()
    private var received = 0
    private var finished = false
    private var ended = false
    private var heldBack: [ChatChunk]? = []
    private var ready: [ChatChunk] = []
    private var readyIndex = 0
    /// What broke the stream, raised once the chunks before it in the same read are out.
    private var failure: UpstreamFailure?

    init(_ body: HTTPClientResponse.Body, limit: Int) {
        self.body = body.makeAsyncIterator()
        self.limit = limit
    }

    /// The chunks as a stream. The body is read by a task of its own as fast as the upstream sends,
    /// not as the consumer asks: read lazily, the last events before an upstream cuts the connection were
    /// seen lost under load.
    static func stream(_ body: HTTPClientResponse.Body, limit: Int) -> AsyncThrowingStream<ChatChunk, any Error> {
        let reader = OpenAIEventReader(body, limit: limit)
        let (stream, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let task = Task {
            do {
                while let chunk = try await reader.next() { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func next() async throws(UpstreamFailure) -> ChatChunk? {
        while true {
            if readyIndex < ready.count {
                defer { readyIndex += 1 }
                return ready[readyIndex]
            }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            if let failure {
                self.failure = nil
                throw failure
            }
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
            do {
                try read(buffer)
            } catch {
                failure = error
            }
            // The chunks of one read leave together: all but the last say that another follows.
            for index in ready.indices.dropLast() { ready[index].moreFollows = true }
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
