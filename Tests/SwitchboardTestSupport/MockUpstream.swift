import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc

/// The C library's `bind`, which NIO's `bind` methods would shadow inside a type.
private let systemBind = Glibc.bind
#elseif canImport(Darwin)
import Darwin

private let systemBind = Darwin.bind
#endif

/// A scripted HTTP upstream on 127.0.0.1 (ephemeral port) for tests: every request is recorded and
/// answered by the test's `responder`, which can delay, stream in parts, or cut the connection.
///
/// For fault injection it can also, on command: stop listening (connections are refused) and listen
/// again on the same port (`stopListening()`, `resumeListening()`); reset a connection with a TCP RST
/// before the status line or mid-body (`Reply.reset`); send any reason phrase; and swap its responder
/// (`setResponder(_:)`). It counts its connections (`connections`), so tests can check that the
/// client's pool let go of every connection a fault broke.
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

        /// Whether the body asks for a streamed answer (`"stream": true`).
        public var wantsStream: Bool { json["stream"] as? Bool ?? false }
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
        /// When the connection is closed (`refuse`, `cutAfterParts`), abort it with a TCP RST instead of a FIN.
        public var reset = false
        /// The status line's reason phrase; nil for the standard one.
        public var reasonPhrase: String?
        /// Hold the answer at a gate until the test opens it: before the status line, or (with
        /// `gatedFromPart` > 0) before that body part, so a stream can start and then hang.
        public var gate: MockGate?
        public var gatedFromPart = 0

        /// The same reply once past its gate.
        var passingGate: Reply {
            var reply = self
            reply.gate = nil
            return reply
        }

        public init(
            status: Int = 200, headers: [(String, String)] = [], parts: [(delay: Duration, text: String)] = [],
            headDelay: Duration = .zero, cutAfterParts: Bool = false, refuse: Bool = false, reset: Bool = false,
            reasonPhrase: String? = nil
        ) {
            self.status = status
            self.headers = headers
            self.parts = parts
            self.headDelay = headDelay
            self.cutAfterParts = cutAfterParts
            self.refuse = refuse
            self.reset = reset
            self.reasonPhrase = reasonPhrase
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

        /// An HTML error page, as proxies and load balancers send them.
        public static func html(_ status: Int, _ body: String = "<html><body><h1>Bad Gateway</h1></body></html>") -> Reply {
            Reply(status: status, headers: [("content-type", "text/html; charset=utf-8")], parts: [(.zero, body)])
        }

        /// One `chat.completion.chunk` SSE event carrying `delta` (and a finish reason when given).
        public static func sseEvent(_ delta: String?, finishReason: String? = nil) -> String {
            let content = delta.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data("\"\"".utf8), as: UTF8.self) }
            let deltaJSON = content.map { "{\"content\":\($0)}" } ?? "{}"
            let finish = finishReason.map { "\"\($0)\"" } ?? "null"
            return "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":\(deltaJSON),\"finish_reason\":\(finish)}]}\n\n"
        }

        /// An SSE stream of chat.completion.chunk events with the given deltas, then `[DONE]`.
        public static func sse(_ deltas: [String], delay: Duration = .zero, done: Bool = true, cut: Bool = false) -> Reply {
            var parts: [(Duration, String)] = deltas.map { (delay, sseEvent($0)) }
            if done {
                parts.append((delay, sseEvent(nil, finishReason: "stop")))
                parts.append((.zero, "data: [DONE]\n\n"))
            }
            return Reply(status: 200, headers: [("content-type", "text/event-stream")], parts: parts, cutAfterParts: cut)
        }

        /// Raw SSE parts (each written after its delay), ended properly unless `cut`.
        public static func sseRaw(_ parts: [(delay: Duration, text: String)], cut: Bool = false, reset: Bool = false) -> Reply {
            Reply(status: 200, headers: [("content-type", "text/event-stream")], parts: parts, cutAfterParts: cut, reset: reset)
        }
    }

    public typealias Responder = @Sendable (Request) -> Reply

    /// A gate that holds replies (`Reply.gate`) until `open()`; `held` counts the replies waiting at it,
    /// so a test can wait for requests to arrive instead of sleeping.
    public final class MockGate: Sendable {
        private let state = NIOLockedValueBox<(isOpen: Bool, waiting: [@Sendable () -> Void])>((false, []))

        public init() {}

        public var held: Int { state.withLockedValue { $0.waiting.count } }

        /// Lets every held reply go on, and every later one pass.
        public func open() {
            let waiting = state.withLockedValue { state in
                state.isOpen = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for resume in waiting { resume() }
        }

        /// Waits (polling) until `count` replies are held, up to `timeout`; returns how many are.
        @discardableResult
        public func waitForHeld(_ count: Int, timeout: Duration = .seconds(10)) async -> Int {
            let end = ContinuousClock.now.advanced(by: timeout)
            while held < count, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(10)) }
            return held
        }

        func whenOpen(_ body: @escaping @Sendable () -> Void) {
            let runNow = state.withLockedValue { state in
                if state.isOpen { return true }
                state.waiting.append(body)
                return false
            }
            if runNow { body() }
        }
    }

    /// Connection counts. `open` counts accepted connections not yet closed; `busy` those with a
    /// request whose answer is still being written (or stalled); `accepted` every connection so far.
    public struct Connections: Sendable, Equatable, CustomStringConvertible {
        public var accepted = 0
        public var open = 0
        public var busy = 0
        /// Open connections waiting for their next request (kept alive by the client's pool).
        public var idle: Int { open - busy }
        public var description: String { "accepted \(accepted), open \(open), busy \(busy)" }
    }

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: NIOLockedValueBox<Channel?>
    private let log = NIOLockedValueBox<[Request]>([])
    private let responder: NIOLockedValueBox<Responder>
    private let stats = NIOLockedValueBox(Connections())
    private let channels = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
    /// The port's reservation while the server does not listen (`stopListening()`).
    private let portHolder = NIOLockedValueBox<Int32?>(nil)
    public let port: Int

    public init(responder: @escaping Responder) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        self.responder = NIOLockedValueBox(responder)
        self.serverChannel = NIOLockedValueBox(nil)
        let channel = try await Self.bind(
            group: group, port: 0, log: log, responder: self.responder, stats: stats, channels: channels)
        self.serverChannel.withLockedValue { $0 = channel }
        self.port = channel.localAddress?.port ?? 0
    }

    private static func bind(
        group: MultiThreadedEventLoopGroup, port: Int, log: NIOLockedValueBox<[Request]>,
        responder: NIOLockedValueBox<Responder>, stats: NIOLockedValueBox<Connections>,
        channels: NIOLockedValueBox<[ObjectIdentifier: Channel]>
    ) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                stats.withLockedValue {
                    $0.accepted += 1
                    $0.open += 1
                }
                let handler = Handler(responder: responder, log: log, stats: stats)
                let id = ObjectIdentifier(channel)
                channels.withLockedValue { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in
                    channels.withLockedValue { $0[id] = nil }
                    stats.withLockedValue { $0.open -= 1 }
                    handler.connectionClosed()
                }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    /// `http://127.0.0.1:PORT` plus `path`.
    public func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)\(path)" }

    public var requests: [Request] { log.withLockedValue { $0 } }

    /// The connection counts now.
    public var connections: Connections { stats.withLockedValue { $0 } }

    /// Answers later requests with `responder` instead.
    public func setResponder(_ responder: @escaping Responder) {
        self.responder.withLockedValue { $0 = responder }
    }

    /// Closes the listening socket: new connections are refused (connections already open stay). The
    /// port stays reserved (bound, not listening) so that no server of another test is given it meanwhile
    /// and answers in this one's place.
    public func stopListening() async throws {
        let channel = serverChannel.withLockedValue { channel in
            defer { channel = nil }
            return channel
        }
        try await channel?.close()
        if channel != nil { portHolder.withLockedValue { $0 = Self.reserve(port: port) } }
    }

    /// Listens again on the same port after `stopListening()`.
    public func resumeListening() async throws {
        guard serverChannel.withLockedValue({ $0 }) == nil else { return }
        portHolder.withLockedValue { holder in
            if let holder { _ = close(holder) }
            holder = nil
        }
        let channel = try await Self.bind(
            group: group, port: port, log: log, responder: responder, stats: stats, channels: channels)
        serverChannel.withLockedValue { $0 = channel }
    }

    /// A socket bound to 127.0.0.1:`port` without listening: connections to it are refused, and (bound
    /// without SO_REUSEADDR) no other socket can take the port.
    private static func reserve(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemBind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            _ = close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Closes every open connection (a FIN, as a server going away would), stalled answers included.
    public func dropConnections() async {
        for channel in channels.withLockedValue({ Array($0.values) }) { try? await channel.close() }
    }

    /// Waits until `condition` holds for the connection counts (polling), up to `timeout`; returns the
    /// counts last seen.
    @discardableResult
    public func waitForConnections(
        timeout: Duration = .seconds(3), _ condition: @Sendable (Connections) -> Bool
    ) async -> Connections {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while true {
            let now = connections
            if condition(now) || clock.now >= end { return now }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func shutdown() async throws {
        try? await stopListening()
        releasePort()
        try await group.shutdownGracefully()
    }

    private func releasePort() {
        portHolder.withLockedValue { holder in
            if let holder { _ = close(holder) }
            holder = nil
        }
    }

    /// `shutdown()` for a `defer`, which cannot await: closes the server and every connection and stops
    /// its thread before returning, so nothing of one test outlives it.
    public func syncShutdown() {
        releasePort()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let responder: NIOLockedValueBox<Responder>
        let log: NIOLockedValueBox<[Request]>
        let stats: NIOLockedValueBox<Connections>
        var head: HTTPRequestHead?
        var body = ByteBuffer()
        /// Whether this connection counts as busy; guarded by `stats`' lock.
        private var busy = false

        init(responder: NIOLockedValueBox<Responder>, log: NIOLockedValueBox<[Request]>, stats: NIOLockedValueBox<Connections>) {
            self.responder = responder
            self.log = log
            self.stats = stats
        }

        private func setBusy(_ value: Bool) {
            stats.withLockedValue { stats in
                guard busy != value else { return }
                busy = value
                stats.busy += value ? 1 : -1
            }
        }

        func connectionClosed() { setBusy(false) }

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
                setBusy(true)
                let responder = self.responder.withLockedValue { $0 }
                respond(responder(request), context: context)
            }
        }

        private func close(_ context: ChannelHandlerContext, reset: Bool) {
            if reset {
                // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                let channel = context.channel
                guard let provider = channel as? any SocketOptionProvider else {
                    channel.close(promise: nil)
                    return
                }
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }

        private func respond(_ reply: Reply, context: ChannelHandlerContext) {
            let loop = context.eventLoop
            let boxed = NIOLoopBound(context, eventLoop: loop)
            if reply.refuse {
                close(context, reset: reply.reset)
                return
            }
            if let gate = reply.gate, reply.gatedFromPart == 0 {
                let passed = reply.passingGate
                gate.whenOpen { loop.execute { self.respond(passed, context: boxed.value) } }
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
                let status = reply.reasonPhrase.map { HTTPResponseStatus(statusCode: reply.status, reasonPhrase: $0) }
                    ?? HTTPResponseStatus(statusCode: reply.status)
                let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
                context.writeAndFlush(self.wrapOutboundOut(.head(head)), promise: nil)
                self.writeParts(reply.parts[...], reply: reply, context: boxed)
            }
        }

        private func writeParts(_ parts: ArraySlice<(delay: Duration, text: String)>, reply: Reply, context boxed: NIOLoopBound<ChannelHandlerContext>) {
            let context = boxed.value
            if let gate = reply.gate, reply.gatedFromPart > 0, parts.startIndex == reply.gatedFromPart {
                let passed = reply.passingGate
                let loop = context.eventLoop
                gate.whenOpen { loop.execute { self.writeParts(parts, reply: passed, context: boxed) } }
                return
            }
            guard let part = parts.first else {
                if reply.cutAfterParts {
                    close(context, reset: reply.reset)
                } else {
                    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in self.setBusy(false) }
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

extension MockUpstream {
    /// An upstream that answers every request with `reply` once the test opens the returned gate; with
    /// `fromPart` > 0, it sends the body parts before that one at once (a stream that starts, then waits).
    /// With `plain`, a request that does not ask for a stream gets `plain` at once instead.
    public static func holding(_ reply: Reply, fromPart: Int = 0, plain: Reply? = nil) async throws -> (MockUpstream, MockGate) {
        let gate = MockGate()
        let upstream = try await MockUpstream { request in
            if let plain, !request.wantsStream { return plain }
            var held = reply
            held.gate = gate
            held.gatedFromPart = fromPart
            return held
        }
        return (upstream, gate)
    }
}
