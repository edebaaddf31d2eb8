import NIOCore
import NIOHTTP1

/// The last handler of an upstream connection: sends one request at a time and hands its answer to the
/// exchange's consumer as each read arrives. When an answer ends on a connection both sides keep alive,
/// `onIdle` returns the connection to its pool; otherwise the connection is closed.
final class UpstreamExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    private var exchange: UpstreamExchange?
    private var keepAlive = true
    /// Called on the loop when an answer has ended and the connection can carry another request.
    var onIdle: ((UpstreamExchangeHandler, any Channel) -> Void)?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        onIdle = nil
    }

    /// Writes the request (head, body and end in one flush) and reads its answer into `exchange`.
    func send(_ head: HTTPRequestHead, body: ByteBuffer?, for exchange: UpstreamExchange) {
        guard let context, context.channel.isActive else {
            exchange.fail(UpstreamClientError.closedBeforeAnswer)
            return
        }
        self.exchange = exchange
        keepAlive = head.isKeepAlive
        exchange.attach(context.channel)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange, !exchange.isOver else {
            // Bytes on an idle connection, or after the exchange stopped: the connection is not reusable.
            self.exchange = nil
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = keepAlive && head.isKeepAlive
            if !exchange.receiveHead(head) { abandon(context) }
        case .body(let buffer):
            if !exchange.receiveBody(buffer) { abandon(context) }
        case .end:
            self.exchange = nil
            // Back in the pool before the caller hears of the end, so that its next request finds it.
            if keepAlive, context.channel.isActive {
                onIdle?(self, context.channel)
            } else {
                context.close(promise: nil)
            }
            exchange.receiveEnd()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let exchange = self.exchange
        self.exchange = nil
        exchange?.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let exchange = self.exchange
        self.exchange = nil
        exchange?.fail(UpstreamClientError.closedBeforeAnswer)
        context.fireChannelInactive()
    }

    private func abandon(_ context: ChannelHandlerContext) {
        exchange = nil
        context.close(promise: nil)
    }
}
