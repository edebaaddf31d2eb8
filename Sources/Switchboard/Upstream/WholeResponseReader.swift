import NIOCore
import NIOHTTP1

/// Reads a whole answer, up to a limit. A non-2xx answer becomes an `.http` failure with the start of
/// its body (what error rules match on), read without waiting for the rest.
final class WholeResponseReader: UpstreamResponseConsumer, @unchecked Sendable {
    // Unchecked: the client calls a consumer on one event loop, one call at a time; the awaiting task
    // reads only `result`, which is thread-safe.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    let result = UpstreamResult<Answer>()
    private let limit: Int
    private let acceptsAnyStatus: Bool
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    static let errorTextLimit = 8_192

    /// Adds the start of `buffer` to an error answer's `text`, up to `errorTextLimit`; true once the limit
    /// is reached (enough for the rules: the rest of an error answer is not waited for).
    static func keepErrorText(_ buffer: ByteBuffer, in text: inout ByteBuffer) -> Bool {
        let room = errorTextLimit - text.readableBytes
        text.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: min(room, buffer.readableBytes)) ?? buffer)
        return text.readableBytes >= errorTextLimit
    }

    /// - Parameter acceptsAnyStatus: a non-2xx answer is an answer too (probes read 401s and 404s).
    init(limit: Int, acceptsAnyStatus: Bool = false) {
        self.limit = limit
        self.acceptsAnyStatus = acceptsAnyStatus
    }

    func receiveHead(_ head: HTTPResponseHead) -> Bool {
        self.head = head
        return true
    }

    func receiveBody(_ buffer: ByteBuffer) -> Bool {
        guard let head else { return true }
        if !acceptsAnyStatus, !(200..<300).contains(head.status.code) {
            guard Self.keepErrorText(buffer, in: &body) else { return true }
            receiveEnd()
            return false
        }
        guard body.readableBytes + buffer.readableBytes <= limit else {
            result.resolve(.failure(.malformed("the response is larger than \(limit) bytes")))
            return false
        }
        body.writeImmutableBuffer(buffer)
        return true
    }

    func receiveEnd() {
        guard let head else {
            result.resolve(.failure(.malformed("the upstream answered without a head")))
            return
        }
        let status = Int(head.status.code)
        if !acceptsAnyStatus, !(200..<300).contains(status) {
            result.resolve(.failure(UpstreamHTTP.failure(
                status: status, reason: head.status.reasonPhrase, headers: head.headers, body: String(buffer: body))))
        } else {
            result.resolve(.success(Answer(status: status, headers: head.headers, body: body)))
        }
    }

    func receiveFailure(_ error: any Error) {
        result.resolve(.failure(UpstreamHTTP.failure(for: error)))
    }
}
