import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Receives a streamed chat answer on the connection's event loop and turns it into chunks right there:
/// an event reaches the stream's reader with no task of its own in between.
///
/// The head decides what the body is: a non-2xx answer is read (its start) into an `.http` failure; a
/// body that is not SSE (a server that ignored `stream: true`) is read whole; SSE goes to the output
/// (a chunk stream, or the stream opener's sink) as it arrives. The whole body is always read as fast as the upstream sends it, so the events
/// just before an upstream cuts the connection are never lost.
final class OpenAIStreamDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    // Unchecked: AsyncHTTPClient calls the delegate on the connection's event loop, one call at a time;
    // `body` is only touched there. What the awaiting task reads is in `outcome`, under its lock.
    typealias Response = Void

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

    private struct Waiter {
        var result: Result<Outcome, UpstreamFailure>?
        var continuation: CheckedContinuation<Outcome, any Error>?
    }

    private let limit: Int
    private let output: Output
    private var body = Body.waiting
    private let outcome = Mutex(Waiter())
    private static let errorTextLimit = 8_192

    init(limit: Int, output: Output) {
        self.limit = limit
        self.output = output
    }

    /// The outcome once the head (and, for non-SSE answers, the body) has arrived.
    func result() async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let ready = outcome.withLock { waiter -> Result<Outcome, UpstreamFailure>? in
                if let result = waiter.result { return result }
                waiter.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
        }
    }

    private func resolve(_ result: Result<Outcome, UpstreamFailure>) {
        let continuation = outcome.withLock { waiter -> CheckedContinuation<Outcome, any Error>? in
            guard waiter.result == nil else { return nil }
            waiter.result = result
            defer { waiter.continuation = nil }
            return waiter.continuation
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    // MARK: - HTTPClientResponseDelegate

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let status = Int(head.status.code)
        if !(200..<300).contains(status) {
            body = .failure(status: status, reason: head.status.reasonPhrase, headers: head.headers, text: ByteBuffer())
        } else if !(head.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false) {
            body = .whole(ByteBuffer())
        } else {
            body = .streaming(OpenAIEventParser(limit: limit), output)
            resolve(.success(.streaming))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        switch body {
        case .failure(let status, let reason, let headers, var text):
            body = .over
            let room = Self.errorTextLimit - text.readableBytes
            if room > 0 {
                text.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: min(room, buffer.readableBytes)) ?? buffer)
            }
            body = .failure(status: status, reason: reason, headers: headers, text: text)
        case .whole(var collected):
            body = .over
            if collected.readableBytes + buffer.readableBytes > limit {
                resolve(.failure(.malformed("the response is larger than \(limit) bytes")))
                task.cancel()
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
                task.cancel()
            } else if parser.done {
                output.finish()
            } else {
                body = .streaming(parser, output)
            }
        case .waiting, .over:
            break
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        switch body {
        case .failure(let status, let reason, let headers, let text):
            resolve(.failure(UpstreamHTTP.failure(status: status, reason: reason, headers: headers, body: String(buffer: text))))
        case .whole(let collected):
            resolve(.success(.whole(collected)))
        case .streaming(let parser, let output):
            output.finish(throwing: parser.end())
        case .waiting:
            resolve(.failure(.malformed("the upstream answered without a head")))
        case .over:
            break
        }
        body = .over
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        let failure = UpstreamHTTP.failure(for: error)
        if case .streaming(_, let output) = body { output.finish(throwing: failure) }
        body = .over
        resolve(.failure(failure))
    }
}
