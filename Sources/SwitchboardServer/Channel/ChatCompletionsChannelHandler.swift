import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Serves `POST /v1/chat/completions` from the connection's channel, ahead of Hummingbird's router:
/// the request is read and its answer written right here, with no async channel, router or middleware
/// chain between the socket and the engine. The rules are the router's (`ClientAuth`, the HTTP metrics,
/// `ChatCompletionsController` for the answer). Every other request passes through to Hummingbird
/// untouched, and pipelined requests are answered in the order they came.
final class ChatCompletionsChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let path = "/v1/chat/completions"

    /// A chat request being read.
    private struct Incoming: Sendable {
        var head: HTTPRequest
        var body = ByteBuffer()
        var tooLarge = false
        /// Set when the token rules refused it: answered once its body has been read past.
        var refusal: OpenAIError?
        var slot: TokenSlot?
        let started = ContinuousClock.now
    }

    private enum Reading {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts pass through.
        case passing
        case collecting(Incoming)
        /// A chat request has been read; its answer is being written.
        case answering
    }

    private let gateway: Gateway
    private let controller: ChatCompletionsController<BasicRequestContext>
    private var context: ChannelHandlerContext?
    private var reading = Reading.idle
    /// Requests handed to Hummingbird whose responses have not ended: a chat request waits for them.
    private var hummingbirdAnswers = 0
    /// Parts that arrived while an earlier request's answer was pending, in order.
    private var queued = CircularBuffer<HTTPRequestPart>()
    /// Reads held back while parts are queued or an answer is being written.
    private var readPending = false
    /// A graceful shutdown that arrived while a chat request was in flight, for Hummingbird after it.
    private var heldQuiesce: Any?
    /// The answer being made: cancelled when the client goes away, so the engine stops its attempt.
    private var answering: Task<Void, Never>?

    init(gateway: Gateway) {
        self.gateway = gateway
        self.controller = ChatCompletionsController(gateway: gateway)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !queued.isEmpty {
            queued.append(part)
            return
        }
        if !handle(part, context: context) { queued.append(part) }
    }

    /// Handles `part` now, or returns false when it must wait for an earlier answer.
    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        switch (reading, part) {
        case (.idle, .head(let head)):
            guard head.method == .post, Self.isChatPath(head.path) else {
                reading = .passing
                hummingbirdAnswers += 1
                context.fireChannelRead(wrapInboundOut(part))
                return true
            }
            guard hummingbirdAnswers == 0 else { return false }
            var incoming = Incoming(head: head)
            do {
                incoming.slot = try ClientAuth.admit(path: Self.path, headers: head.headerFields, gateway: gateway)
            } catch {
                incoming.refusal = error
            }
            reading = .collecting(incoming)
            if head.headerFields[.expect]?.lowercased() == "100-continue" {
                // curl and others wait (a second, for curl) for this before they send a large body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
            return true
        case (.collecting(var incoming), .body(let buffer)):
            reading = .answering  // drops the enum's copy, so the body buffer is appended in place
            if incoming.refusal == nil, !incoming.tooLarge {
                if incoming.body.readableBytes + buffer.readableBytes > gateway.settings.maxRequestBytes {
                    incoming.tooLarge = true
                    incoming.body = ByteBuffer()
                } else if incoming.body.readableBytes == 0 {
                    incoming.body = buffer  // the usual case, a body in one read: no copy
                } else {
                    incoming.body.writeImmutableBuffer(buffer)
                }
            }
            reading = .collecting(incoming)
            return true
        case (.collecting(let incoming), .end):
            reading = .answering
            answer(incoming, context: context)
            return true
        case (.answering, _):
            return false
        case (.passing, .end):
            reading = .idle
            context.fireChannelRead(wrapInboundOut(part))
            return true
        case (.passing, _), (.idle, _), (.collecting, .head):
            context.fireChannelRead(wrapInboundOut(part))
            return true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, isAnswering {
            heldQuiesce = event
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .collecting(let incoming) = reading { incoming.slot?.release() }
        answering?.cancel()
        answering = nil
        queued.removeAll()
        heldQuiesce = nil
        context.fireChannelInactive()
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's responses pass through; the end of one may let a waiting chat request go.
        if case .end = unwrapOutboundIn(data) {
            hummingbirdAnswers = max(0, hummingbirdAnswers - 1)
            context.write(data, promise: promise)
            if hummingbirdAnswers == 0, !queued.isEmpty || readPending {
                // Not from inside Hummingbird's write: on the loop's next turn.
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    if let context = handler.value.context { handler.value.resume(context) }
                }
            }
            return
        }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        // A request's own body is always read; what comes after it waits for its answer.
        if !queued.isEmpty || isWritingAnswer {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: - Answering

    private var isWritingAnswer: Bool {
        if case .answering = reading { return true }
        return false
    }

    private var isAnswering: Bool {
        switch reading {
        case .collecting, .answering: return true
        case .idle, .passing: return false
        }
    }

    private func answer(_ incoming: Incoming, context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let controller = self.controller
        let metrics = gateway.metrics
        answering = Task {
            await ChatCompletionsChannelHandler.respond(to: incoming, controller: controller, metrics: metrics, handler: handler)
        }
    }

    private static func respond(
        to incoming: Incoming, controller: ChatCompletionsController<BasicRequestContext>, metrics: GatewayMetrics,
        handler: NIOLoopBound<ChatCompletionsChannelHandler>
    ) async {
        let response: Response
        if let refusal = incoming.refusal {
            response = refusal.response()
        } else {
            response = await controller.response(
                headers: incoming.head.headerFields, body: incoming.tooLarge ? nil : incoming.body)
        }
        metrics.httpRequest(method: "POST", path: path, status: Int(response.status.code),
                            duration: incoming.started.duration(to: .now))
        var head = HTTPResponse(status: response.status, headerFields: response.headers)
        head.headerFields[.date] = HTTPDate.now()
        head.headerFields[.server] = "switchboard"
        let closes = incoming.head.headerFields[.connection]?.lowercased() == "close"
        let loop = handler.eventLoop
        if let length = response.body.contentLength {
            // A whole answer (a completion, an error): head, body and end leave in one write, and the
            // next request is taken once they have.
            head.headerFields[.contentLength] = "\(length)"
            // Cannot fail: collecting throws nothing, and the controller's bodies of known length are buffers.
            let body = (try? await CollectedBody.collect(response.body)) ?? ByteBuffer()
            let (slot, whole) = (incoming.slot, head)
            loop.run { handler.value.writeWhole(whole, body: body, slot: slot, closing: closes) }
            return
        }
        let writer = ChatChannelBodyWriter(handler: handler)
        do {
            try await writer.writeHead(head)
            try await response.body.write(writer)
        } catch {
            // The client went away; the controller has recorded what it could.
        }
        incoming.slot?.release()
        loop.run { handler.value.answered(closing: closes) }
    }

    /// Writes a whole answer through this handler's place in the pipeline, then takes what comes next.
    private func writeWhole(_ head: HTTPResponse, body: ByteBuffer, slot: TokenSlot?, closing: Bool) {
        guard let context else {
            slot?.release()
            return
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            slot?.release()
            self.answered(closing: closing)
        }
    }

    /// Writes and sends one part of a streamed answer through this handler's place in the pipeline (never
    /// through Hummingbird's handlers behind it). Returns nil when the client was keeping up, else a future
    /// to wait on: when the part has left (a slow client's backpressure) or the client is gone. The end of
    /// an answer always gets its future: what follows it (a close, the next request) waits for it to leave.
    func writePart(_ part: HTTPResponsePart, on loop: any EventLoop) -> EventLoopFuture<Void>? {
        guard let context, context.channel.isActive else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        var isEnd = false
        if case .end = part { isEnd = true }
        // While the client keeps up, no promise: one per part would cost more than the part's bytes.
        guard isEnd || !context.channel.isWritable else {
            context.writeAndFlush(wrapOutboundOut(part), promise: nil)
            return nil
        }
        return context.writeAndFlush(wrapOutboundOut(part))
    }

    private func answered(closing: Bool) {
        answering = nil
        guard let context else { return }
        reading = .idle
        if closing {
            context.close(promise: nil)
            return
        }
        if let event = heldQuiesce {
            heldQuiesce = nil
            context.fireUserInboundEventTriggered(event)
        }
        resume(context)
    }

    /// Handles queued parts until one must wait again, then lets reading go on.
    private func resume(_ context: ChannelHandlerContext) {
        let queuedBefore = queued.count
        defer {
            // Parts passed on outside a read of the channel: Hummingbird takes them at a read's end.
            if queued.count < queuedBefore { context.fireChannelReadComplete() }
        }
        while let part = queued.first {
            guard handle(part, context: context) else { return }
            queued.removeFirst()
        }
        if readPending, !isWritingAnswer {
            readPending = false
            context.read()
        }
    }

    /// The chat path, with or without a query.
    static func isChatPath(_ path: String?) -> Bool {
        guard let path else { return false }
        return path == Self.path || (path.hasPrefix(Self.path) && path.utf8.dropFirst(Self.path.utf8.count).first == UInt8(ascii: "?"))
    }
}
