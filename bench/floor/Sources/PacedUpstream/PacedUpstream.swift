#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// `PacedUpstream --port P [--events N] [--interval-ms G] [--threads T]`: an OpenAI-compatible upstream on
/// 127.0.0.1:P whose streamed answers look like token generation: a role chunk at once, then N content
/// chunks G ms apart (each its own write), then the finish reason, usage and `[DONE]`. A request without
/// `"stream":true` gets one fixed chat.completion. The events are encoded once, so the upstream's own cost
/// per event is a timer and a write.
@main
struct PacedUpstream {
    static func main() throws {
        var port = 18490, events = 300, interval = 33.0, threads = 1
        var arguments = CommandLine.arguments.dropFirst()
        while let option = arguments.popFirst() {
            guard let value = arguments.popFirst() else { usage("\(option) needs a value") }
            switch option {
            case "--port": port = Int(value) ?? { usage("--port takes a number") }()
            case "--events": events = Int(value) ?? { usage("--events takes a number") }()
            case "--interval-ms": interval = Double(value) ?? { usage("--interval-ms takes a number") }()
            case "--threads": threads = Int(value) ?? { usage("--threads takes a number") }()
            default: usage("unknown option \(option)")
            }
        }
        let answer = PacedAnswer(events: events, interval: .nanoseconds(Int64(interval * 1_000_000)))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let server = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(PacedHandler(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .wait()
        var err = StandardError()
        print("PacedUpstream listening on 127.0.0.1:\(port), \(events) events every \(interval) ms", to: &err)
        try server.closeFuture.wait()
    }

    static func usage(_ problem: String) -> Never {
        var err = StandardError()
        print("PacedUpstream: \(problem)\nusage: PacedUpstream --port P [--events N] [--interval-ms G] [--threads T]", to: &err)
        exit(2)
    }
}

/// The bytes of a paced answer, encoded once.
struct PacedAnswer: Sendable {
    let events: Int
    let interval: TimeAmount
    let role: ByteBuffer
    let tokens: [ByteBuffer]
    let end: ByteBuffer
    let plain: ByteBuffer

    init(events: Int, interval: TimeAmount) {
        self.events = events
        self.interval = interval
        let head = #"data: {"id":"chatcmpl-paced","object":"chat.completion.chunk","created":1764201600,"model":"bench-model","choices":[{"index":0,"delta":"#
        role = ByteBuffer(string: head + #"{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"# + "\n\n")
        tokens = (0..<16).map { word in
            ByteBuffer(string: head + #"{"content":" tok\#(word)"},"logprobs":null,"finish_reason":null}]}"# + "\n\n")
        }
        end = ByteBuffer(string: head + #"{},"logprobs":null,"finish_reason":"stop"}]}"# + "\n\n"
            + #"data: {"id":"chatcmpl-paced","object":"chat.completion.chunk","created":1764201600,"model":"bench-model","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":\#(events),"total_tokens":\#(12 + events)}}"#
            + "\n\ndata: [DONE]\n\n")
        plain = ByteBuffer(string: #"{"id":"chatcmpl-paced","object":"chat.completion","created":1764201600,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Server-sent events push text from a server to a client."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}}"#)
    }
}

/// One client connection: reads a request, answers it (paced when streamed), and cancels the pacing timer
/// when the connection goes away mid-answer.
final class PacedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: PacedAnswer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    private var timer: Scheduled<Void>?

    init(answer: PacedAnswer) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            body.clear()
            tooLarge = false
        case .body(var part):
            if body.readableBytes + part.readableBytes > 1 << 20 { tooLarge = true } else { body.writeBuffer(&part) }
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        if request.method == .GET && request.uri == "/health" {
            return answerWhole(.ok, "text/plain", ByteBuffer(string: "ok"), context: context)
        }
        guard request.method == .POST, request.uri.hasSuffix("/chat/completions") else {
            return answerWhole(.notFound, "application/json", ByteBuffer(string: #"{"error":{"message":"paced upstream: unknown path","type":"invalid_request_error","param":null,"code":"unknown_url"}}"#), context: context)
        }
        if tooLarge {
            return answerWhole(.payloadTooLarge, "application/json", ByteBuffer(string: #"{"error":{"message":"too large","type":"invalid_request_error","param":null,"code":null}}"#), context: context)
        }
        let text = String(buffer: body)
        guard text.contains(#""stream":true"#) || text.contains(#""stream": true"#) else {
            return answerWhole(.ok, "application/json", answer.plain, context: context)
        }
        let headers: HTTPHeaders = ["content-type": "text/event-stream", "cache-control": "no-cache", "transfer-encoding": "chunked"]
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(answer.role))), promise: nil)
        schedule(sent: 0, context: context)
    }

    /// Sends content event `sent + 1` (or the end) one interval from now.
    private func schedule(sent: Int, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: answer.interval) {
            let (handler, context) = bound.value
            handler.timer = nil
            if sent < handler.answer.events {
                let token = handler.answer.tokens[sent % handler.answer.tokens.count]
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(token))), promise: nil)
                handler.schedule(sent: sent + 1, context: context)
            } else {
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(handler.answer.end))), promise: nil)
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    private func answerWhole(_ status: HTTPResponseStatus, _ type: String, _ body: ByteBuffer, context: ChannelHandlerContext) {
        let headers: HTTPHeaders = ["content-type": type, "content-length": "\(body.readableBytes)"]
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}

/// `print(…, to: &err)` writes to standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
