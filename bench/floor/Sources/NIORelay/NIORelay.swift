import BenchSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// `NIORelay PORT UPSTREAM_URL [THREADS]`: on 127.0.0.1:PORT, every POST is relayed to UPSTREAM_URL
/// (http only) and the upstream's answer relayed back part by part as it arrives: each upstream read is
/// one write to the client, so a streamed event goes out as soon as it comes in.
///
/// The floor a SwiftNIO gateway cannot go below: an NIOHTTP1 server, and per event loop a pool of
/// keep-alive upstream connections on the same loop (no thread hop, no locks), with no parsing, routing or
/// bookkeeping of its own.
@main
struct NIORelay {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, let port = Int(arguments[1]), let upstream = try? HTTPURL(arguments[2]) else {
            print("usage: NIORelay PORT http://HOST:PORT/PATH [THREADS]")
            return
        }
        let threads = arguments.count > 3 ? Int(arguments[3]) ?? System.coreCount : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var pools: [ObjectIdentifier: UpstreamPool] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = UpstreamPool(eventLoop: loop, upstream: upstream)
        }
        let poolsByLoop = pools
        let server = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard let pool = poolsByLoop[ObjectIdentifier(channel.eventLoop)] else {
                    return channel.eventLoop.makeFailedFuture(RelayError.noPool)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RelayHandler(pool: pool))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .wait()
        print("NIORelay on 127.0.0.1:\(port) → \(arguments[2]), \(threads) event loops")
        try server.closeFuture.wait()
    }
}

enum RelayError: Error { case noPool, upstreamClosed }

/// Serves one client connection: collects a request, sends it upstream on a pooled connection, and relays
/// the answer back as it arrives.
final class RelayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let pool: UpstreamPool
    private var body: ByteBuffer?
    private var upstream: UpstreamConnection?

    init(pool: UpstreamPool) { self.pool = pool }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            body = context.channel.allocator.buffer(capacity: 512)
        case .body(var part):
            body?.writeBuffer(&part)
        case .end:
            let request = body ?? ByteBuffer()
            body = nil
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let pool = self.pool
            pool.connection().whenComplete { result in
                let context = loopBoundContext.value
                switch result {
                case .success(let connection):
                    handler.value.upstream = connection
                    connection.send(request, to: pool.upstream, onPart: { part in
                        handler.value.relay(part, context: context)
                    }, onAbort: {
                        handler.value.upstream = nil
                        context.close(promise: nil)
                    })
                case .failure:
                    handler.value.fail(context: context)
                }
            }
        }
    }

    private func relay(_ part: HTTPClientResponsePart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            var headers = HTTPHeaders()
            for (name, value) in head.headers where name.lowercased() != "connection" && name.lowercased() != "keep-alive" {
                headers.add(name: name, value: value)
            }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: headers))), promise: nil)
        case .body(let buffer):
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end:
            if let connection = upstream {
                upstream = nil
                pool.release(connection)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func fail(context: ChannelHandlerContext) {
        let head = HTTPResponseHead(version: .http1_1, status: .badGateway, headers: ["content-length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client left mid-answer: the upstream connection is in an unknown state, so it is not reused.
        if let connection = upstream {
            upstream = nil
            connection.close()
        }
        context.fireChannelInactive()
    }
}

/// Keep-alive connections to the upstream owned by one event loop; only touched on that loop.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    let upstream: HTTPURL
    private var idle: [UpstreamConnection] = []

    init(eventLoop: any EventLoop, upstream: HTTPURL) {
        self.eventLoop = eventLoop
        self.upstream = upstream
    }

    func connection() -> EventLoopFuture<UpstreamConnection> {
        eventLoop.preconditionInEventLoop()
        while let connection = idle.popLast() {
            if connection.isOpen { return eventLoop.makeSucceededFuture(connection) }
        }
        let handler = UpstreamHandler()
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: upstream.host, port: upstream.port)
            .map { UpstreamConnection(channel: $0, handler: handler) }
    }

    func release(_ connection: UpstreamConnection) {
        eventLoop.preconditionInEventLoop()
        if connection.isOpen { idle.append(connection) }
    }
}

/// One upstream connection and the callback its answer parts go to.
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: UpstreamHandler

    init(channel: any Channel, handler: UpstreamHandler) {
        self.channel = channel
        self.handler = handler
    }

    var isOpen: Bool { channel.isActive && !handler.closed }

    /// Writes the request as one flush (head, body, end) and sends each answer part to `onPart`.
    func send(
        _ body: ByteBuffer, to upstream: HTTPURL, onPart: @escaping (HTTPClientResponsePart) -> Void,
        onAbort: @escaping () -> Void
    ) {
        handler.onPart = onPart
        handler.onAbort = onAbort
        var headers = HTTPHeaders()
        headers.add(name: "host", value: upstream.authority)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: upstream.path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    func close() {
        handler.onPart = nil
        handler.onAbort = nil
        channel.close(promise: nil)
    }
}

/// Hands the upstream's answer parts to whoever sent the request on this connection.
final class UpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    var onPart: ((HTTPClientResponsePart) -> Void)?
    var onAbort: (() -> Void)?
    var closed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        let callback = onPart
        if case .end = part {
            onPart = nil
            onAbort = nil
        }
        callback?(part)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        // Closed mid-answer: the client's connection is closed too, so the answer is seen to be cut.
        onPart = nil
        if let abort = onAbort {
            onAbort = nil
            abort()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
