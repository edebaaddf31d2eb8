import NIOCore
import NIOHTTP1

/// Receives a streamed chat answer on the connection's event loop and turns it into chunks right there:
/// an event reaches the stream's reader with no task of its own in between.
///
/// The head decides what the body is: a non-2xx answer is read (its start) into an `.http` failure; a
/// body that is not SSE (a server that ignored `stream: true`) is read whole; SSE goes to the output
/// (a chunk stream, or the stream opener's sink) as it arrives. The whole body is always read as fast as
/// the upstream sends it, so the events just before an upstream cuts the connection are never lost.
final class OpenAIStreamReader: UpstreamResponseConsumer, @unchecked Sendable {
    // Unchecked: the client calls a consumer on the connection's event loop, one call at a time; `body`
    // is only touched there. What the awaiting task reads is `result`, which is thread-safe.

    /// What the head and (for non-SSE answers) the body amount to.
    enum Outcome: Sendable {
        /// SSE: the chunks go to the delegate's output as they arrive.
        case streaming
        /// Not SSE (a server that ignored `stream: true`): the whole body.
        case whole(ByteBuffer)
    }

    /// Where SSE chunks go: a stream of their own, or the stream opener's sink.
    enum Output: Sendable {
        case stream(AsyncThrowingStream<ChatChunk, any Error>.Continuation)
        case sink(ChunkSink)

        func yield(_ chunk: ChatChunk) {
            switch self {
            case .stream(let continuation): continuation.yield(chunk)
            case .sink(let sink): sink.yield(chunk)
            }
        }

        func finish(throwing failure: UpstreamFailure? = nil) {
            switch self {
            case .stream(let continuation):
                if let failure { continuation.finish(throwing: failure) } else { continuation.finish() }
            case .sink(let sink):
                sink.finish(throwing: failure)
            }
        }
    }

    private enum Body {
        case waiting
        case failure(status: Int, reason: String, headers: HTTPHeaders, text: ByteBuffer)
        case whole(ByteBuffer)
        case streaming(OpenAIEventParser, Output)
        case over
    }

    private let limit: Int
    private let output: Output
    private var body = Body.waiting
    /// Set once the head (and, for non-SSE answers, the body) has arrived, or the call failed.
    let result = UpstreamResult<Outcome>()

    init(limit: Int, output: Output) {
        self.limit = limit
        self.output = output
    }

    // MARK: - UpstreamResponseConsumer

    func receiveHead(_ head: HTTPResponseHead) -> Bool {
        let status = Int(head.status.code)
        if !(200..<300).contains(status) {
            body = .failure(status: status, reason: head.status.reasonPhrase, headers: head.headers, text: ByteBuffer())
        } else if !(head.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false) {
            body = .whole(ByteBuffer())
        } else {
            body = .streaming(OpenAIEventParser(limit: limit), output)
            result.resolve(.success(.streaming))
        }
        return true
    }

    func receiveBody(_ buffer: ByteBuffer) -> Bool {
        switch body {
        case .failure(let status, let reason, let headers, var text):
            body = .over
            let full = WholeResponseReader.keepErrorText(buffer, in: &text)
            body = .failure(status: status, reason: reason, headers: headers, text: text)
            if full {
                receiveEnd()
                return false
            }
        case .whole(var collected):
            body = .over
            if collected.readableBytes + buffer.readableBytes > limit {
                result.resolve(.failure(.malformed("the response is larger than \(limit) bytes")))
                return false
            } else {
                collected.writeImmutableBuffer(buffer)
                body = .whole(collected)
            }
        case .streaming(var parser, let output):
            body = .over
            let (chunks, failure) = parser.feed(buffer)
            for chunk in chunks { output.yield(chunk) }
            if let failure {
                output.finish(throwing: failure)
                return false
            } else if parser.done {
                output.finish()
            } else {
                body = .streaming(parser, output)
            }
        case .waiting, .over:
            break
        }
        return true
    }

    func receiveEnd() {
        switch body {
        case .failure(let status, let reason, let headers, let text):
            result.resolve(.failure(UpstreamHTTP.failure(status: status, reason: reason, headers: headers, body: String(buffer: text))))
        case .whole(let collected):
            result.resolve(.success(.whole(collected)))
        case .streaming(let parser, let output):
            output.finish(throwing: parser.end())
        case .waiting:
            result.resolve(.failure(.malformed("the upstream answered without a head")))
        case .over:
            break
        }
        body = .over
    }

    func receiveFailure(_ error: any Error) {
        let failure = UpstreamHTTP.failure(for: error)
        if case .streaming(_, let output) = body { output.finish(throwing: failure) }
        body = .over
        result.resolve(.failure(failure))
    }
}
