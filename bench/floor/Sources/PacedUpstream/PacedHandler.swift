import NIOCore
import NIOHTTP1

/// One client connection: reads each request whole, answers it (paced when streamed), and cancels the
/// pacing timer when the connection goes away mid-answer. `configureHTTPServerPipeline` holds pipelined
/// requests back until the current response has ended, so there is one answer at a time per connection.
final class PacedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let maxBody = 1 << 20

    private let answer: PacedAnswer
    private var request: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    /// The next paced write of the answer in progress, if any.
    private var timer: Scheduled<Void>?

    init(answer: PacedAnswer) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            body.clear()
            tooLarge = false
        case .body(var part):
            if tooLarge || body.readableBytes + part.readableBytes > Self.maxBody {
                tooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&part)
            }
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if head.method == .GET && path == "/health" {
            return answerWhole(.ok, "text/plain", ByteBuffer(string: "ok"), to: head, context: context)
        }
        guard head.method == .POST, path.hasSuffix("/chat/completions") else {
            return answerWhole(.notFound, "application/json", Self.error("paced upstream: no such route", code: "unknown_url"), to: head, context: context)
        }
        if tooLarge {
            return answerWhole(.payloadTooLarge, "application/json", Self.error("request body over 1 MiB", code: "too_large"), to: head, context: context)
        }
        guard PacedAnswer.asksForStream(body) else {
            return answerWhole(.ok, "application/json", answer.plain, to: head, context: context)
        }
        body.clear()
        // HTTP/1.0 has no chunked encoding: the stream ends with the connection there.
        let chunked = head.version.major == 1 && head.version.minor >= 1
        let keepAlive = chunked && head.isKeepAlive
        var headers: HTTPHeaders = ["content-type": "text/event-stream", "cache-control": "no-cache"]
        if chunked { headers.add(name: "transfer-encoding", value: "chunked") }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(answer.role))), promise: nil)
        schedule(sent: 0, at: .now() + answer.interval, keepAlive: keepAlive, context: context)
    }

    /// Sends content event `sent + 1` (or, after the last, the end) at `due`. Deadlines run from the head,
    /// `start + k·interval`, rather than one interval after each timer actually fired: a loop that runs late
    /// then does not shift every stream onto the same late tick, where they would stay bunched together.
    private func schedule(sent: Int, at due: NIODeadline, keepAlive: Bool, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = bound.value
            handler.timer = nil
            if sent < handler.answer.events {
                let token = handler.answer.tokens[sent % handler.answer.tokens.count]
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(token))), promise: nil)
                handler.schedule(sent: sent + 1, at: due + handler.answer.interval, keepAlive: keepAlive, context: context)
            } else {
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(handler.answer.end))), promise: nil)
                handler.end(keepAlive: keepAlive, context: context)
            }
        }
    }

    private func answerWhole(_ status: HTTPResponseStatus, _ type: String, _ body: ByteBuffer, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.body.clear()
        var headers: HTTPHeaders = ["content-type": type, "content-length": "\(body.readableBytes)"]
        let keepAlive = head.isKeepAlive
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if head.version.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        end(keepAlive: keepAlive, context: context)
    }

    private func end(keepAlive: Bool, context: ChannelHandlerContext) {
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private static func error(_ message: String, code: String) -> ByteBuffer {
        ByteBuffer(string: #"{"error":{"message":"\#(message)","type":"invalid_request_error","param":null,"code":"\#(code)"}}"#)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        cancelTimer()
        context.close(promise: nil)
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
