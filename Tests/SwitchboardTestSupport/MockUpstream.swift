import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A scripted HTTP upstream on 127.0.0.1 (ephemeral port) for tests: every request is recorded and
/// answered by the test's `responder`, which can delay, stream in parts, or cut the connection.
public final class MockUpstream: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: String

        public var authorization: String? { headers["authorization"] }

        /// The JSON body as a dictionary (empty when it is not JSON).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    public struct Reply: Sendable {
        public var status: Int = 200
        public var headers: [(String, String)] = []
        /// Body parts, each written after its delay.
        public var parts: [(delay: Duration, text: String)] = []
        /// Wait before sending the status line.
        public var headDelay: Duration = .zero
        /// Close the connection after the parts instead of ending the response properly.
        public var cutAfterParts = false
        /// Close the connection without any answer.
        public var refuse = false

        public init(
            status: Int = 200, headers: [(String, String)] = [], parts: [(delay: Duration, text: String)] = [],
            headDelay: Duration = .zero, cutAfterParts: Bool = false, refuse: Bool = false
        ) {
            self.status = status
            self.headers = headers
            self.parts = parts
            self.headDelay = headDelay
            self.cutAfterParts = cutAfterParts
            self.refuse = refuse
        }

        public static func json(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> Reply {
            Reply(status: status, headers: [("content-type", "application/json")] + headers, parts: [(.zero, text)])
        }

        public static func chat(_ text: String, model: String = "mock-model", finishReason: String = "stop") -> Reply {
            let escaped = String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
            return .json("""
                {"id":"cmpl-1","object":"chat.completion","model":"\(model)","choices":[{"index":0,"message":{"role":"assistant","content":\(escaped)},"finish_reason":"\(finishReason)"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}
                """)
        }

        public static func status(_ status: Int, _ body: String = "{\"error\":\"mock\"}", headers: [(String, String)] = []) -> Reply {
            .json(body, status: status, headers: headers)
        }

        /// An SSE stream of chat.completion.chunk events with the given deltas, then `[DONE]`.
        public static func sse(_ deltas: [String], delay: Duration = .zero, done: Bool = true, cut: Bool = false) -> Reply {
            var parts: [(Duration, String)] = deltas.map { delta in
                let escaped = String(decoding: (try? JSONEncoder().encode(delta)) ?? Data("\"\"".utf8), as: UTF8.self)
                return (delay, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\(escaped)},\"finish_reason\":null}]}\n\n")
            }
            if done {
                parts.append((delay, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"))
                parts.append((.zero, "data: [DONE]\n\n"))
            }
            return Reply(status: 200, headers: [("content-type", "text/event-stream")], parts: parts, cutAfterParts: cut)
        }
    }

    public typealias Responder = @Sendable (Request) -> Reply

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let log = NIOLockedValueBox<[Request]>([])
    public let port: Int

    public init(responder: @escaping Responder) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = self.log
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(Handler(responder: responder, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.group = group
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// `http://127.0.0.1:PORT` plus `path`.
    public func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)\(path)" }

    public var requests: [Request] { log.withLockedValue { $0 } }

    public func shutdown() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let responder: Responder
        let log: NIOLockedValueBox<[Request]>
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(responder: @escaping Responder, log: NIOLockedValueBox<[Request]>) {
            self.responder = responder
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var buffer):
                body.writeBuffer(&buffer)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let request = Request(method: "\(head.method)", path: head.uri, headers: headers, body: String(buffer: body))
                log.withLockedValue { $0.append(request) }
                respond(responder(request), context: context)
            }
        }

        private func respond(_ reply: Reply, context: ChannelHandlerContext) {
            let loop = context.eventLoop
            let boxed = NIOLoopBound(context, eventLoop: loop)
            if reply.refuse {
                context.close(promise: nil)
                return
            }
            loop.scheduleTask(in: Self.amount(reply.headDelay)) {
                let context = boxed.value
                var headers = HTTPHeaders(reply.headers)
                let streamed = reply.parts.count > 1 || reply.cutAfterParts
                if !streamed {
                    headers.replaceOrAdd(name: "content-length", value: "\(reply.parts.first?.text.utf8.count ?? 0)")
                } else if reply.cutAfterParts {
                    // Promise more than will come, so the cut is visible as a truncated body.
                    headers.replaceOrAdd(name: "content-length", value: "\(reply.parts.reduce(0) { $0 + $1.text.utf8.count } + 1_000)")
                }
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
                context.writeAndFlush(self.wrapOutboundOut(.head(head)), promise: nil)
                self.writeParts(reply.parts[...], reply: reply, context: boxed)
            }
        }

        private func writeParts(_ parts: ArraySlice<(delay: Duration, text: String)>, reply: Reply, context boxed: NIOLoopBound<ChannelHandlerContext>) {
            let context = boxed.value
            guard let part = parts.first else {
                if reply.cutAfterParts {
                    context.close(promise: nil)
                } else {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
                return
            }
            context.eventLoop.scheduleTask(in: Self.amount(part.delay)) {
                let context = boxed.value
                if !part.text.isEmpty {
                    context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part.text)))), promise: nil)
                }
                self.writeParts(parts.dropFirst(), reply: reply, context: boxed)
            }
        }

        static func amount(_ duration: Duration) -> TimeAmount {
            .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }
    }
}
