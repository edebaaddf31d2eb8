import BenchSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// The request every stream sends, built once.
struct LoadRequest: Sendable {
    let address: SocketAddress
    let head: HTTPRequestHead
    let body: ByteBuffer
    let timeout: TimeAmount
    let timeoutSeconds: Int

    init(options: LoadOptions, address: SocketAddress) {
        self.address = address
        body = ByteBuffer(string: #"{"model":"\#(options.model)","messages":[{"role":"user","content":"Explain server-sent events"}],"stream":true}"#)
        var headers = HTTPHeaders()
        headers.add(name: "host", value: options.target.authority)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "text/event-stream")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        for header in options.headers { headers.add(name: header.name, value: header.value) }
        head = HTTPRequestHead(version: .http1_1, method: .POST, uri: options.target.path, headers: headers)
        timeout = .seconds(Int64(options.timeoutSeconds))
        timeoutSeconds = options.timeoutSeconds
    }
}

/// One connection carrying one streamed request, from its start (connect) to its report. Lives on one event
/// loop: every method runs there, reached from elsewhere only through `NIOLoopBound`.
final class LoadStream: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let index: Int
    private let request: LoadRequest
    private let tally: LoadTally
    private var scanner = EventScanner()
    private var measure = StreamMeasure()
    private var sentAt: NIODeadline?
    private var lastEvent: NIODeadline?
    private var status: UInt = 0
    private var channel: (any Channel)?
    private var active = false
    private var ended = false
    private var reported = false
    private var timer: Scheduled<Void>?
    /// What `errorCaught` saw, to describe the close that follows.
    private var failure: String?

    private init(index: Int, request: LoadRequest, tally: LoadTally) {
        self.index = index
        self.request = request
        self.tally = tally
        measure.gaps.reserveCapacity(512)
    }

    /// Starts stream `index` on `loop` (called there): the timeout runs from now, connect included.
    static func start(index: Int, request: LoadRequest, tally: LoadTally, on loop: any EventLoop) {
        let bound = NIOLoopBound(LoadStream(index: index, request: request, tally: tally), eventLoop: loop)
        bound.value.timer = loop.scheduleTask(in: request.timeout) { bound.value.timedOut() }
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(min(.seconds(10), request.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(to: request.address)
            .whenComplete { result in
                let stream = bound.value
                switch result {
                case .success(let channel):
                    stream.channel = channel
                    if stream.reported { channel.close(promise: nil) }
                case .failure(let error):
                    stream.finish(("connect", "\(error)"))
                }
            }
    }

    func channelActive(context: ChannelHandlerContext) {
        active = true
        context.fireChannelActive()
        guard !reported else { return context.close(promise: nil) }
        // Head and body leave in one flush, so in one write to the socket.
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        sentAt = .now()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
        case .body(let buffer):
            guard status == 200, !reported else { return }
            let now = NIODeadline.now()
            let hadText = scanner.sawText
            let events = scanner.scan(buffer)
            if events > 0 { record(events, at: now) }
            if !hadText && scanner.sawText, let sentAt { measure.firstToken = Self.micros(now - sentAt) }
        case .end:
            ended = true
            if status != 200 {
                finish(("status \(status)", "HTTP \(status)"))
            } else if !scanner.sawDone {
                finish(("no-done", "the response ended without data: [DONE], after \(measure.events) events"))
            } else {
                finish(nil)
            }
            context.close(promise: nil)
        }
    }

    /// `count` events arrived in one read at `now`: the first is timed against the previous event (or the
    /// request), the others are 0 after it.
    private func record(_ count: Int, at now: NIODeadline) {
        if let lastEvent {
            measure.gaps.append(Self.micros(now - lastEvent))
        } else if let sentAt {
            measure.firstEvent = Self.micros(now - sentAt)
        }
        for _ in 1..<count { measure.gaps.append(0) }
        measure.events += count
        lastEvent = now
    }

    func channelInactive(context: ChannelHandlerContext) {
        if active && !ended {
            let how = failure.map { " (\($0))" } ?? ""
            if status != 0 && status != 200 {
                finish(("status \(status)", "HTTP \(status), then the connection closed\(how)"))
            } else {
                finish(("closed", "the connection closed before the response ended, after \(measure.events) events\(how)"))
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = "\(error)" }
        context.close(promise: nil)
    }

    private func timedOut() {
        timer = nil
        finish(("timeout", "not done within \(request.timeoutSeconds) s (status \(status), \(measure.events) events)"))
        channel?.close(promise: nil)
    }

    private func finish(_ error: (kind: String, detail: String)?) {
        guard !reported else { return }
        reported = true
        timer?.cancel()
        timer = nil
        tally.finish(stream: index, measure, error: error)
        measure.gaps = []
    }

    private static func micros(_ amount: TimeAmount) -> Int { Int(amount.nanoseconds / 1_000) }
}
