import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SwitchboardTestSupport
import Testing

/// The chat endpoint is answered by a channel handler ahead of Hummingbird's router: on one connection
/// its answers and the router's must still come in the order the requests were sent, and
/// `Connection: close` must close.
@Suite(.timeLimit(.minutes(1))) struct ChatChannelTests {
    static func yaml(_ upstream: MockUpstream) -> String {
        """
        version: 1
        providers:
          upstream: { adapter: openai-chat, base_url: \(upstream.url("/v1")) }
        routes:
          chat: [{ provider: upstream, model: m, priority: 1 }]
        """
    }

    static func chat(_ text: String, closing: Bool = false, stream: Bool = false) -> String {
        let body = #"{"model":"chat","messages":[{"role":"user","content":"\#(text)"}],"stream":\#(stream)}"#
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\n"
            + (closing ? "connection: close\r\n" : "") + "content-length: \(body.utf8.count)\r\n\r\n" + body
    }

    static let health = "GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let upstream = try await MockUpstream { request in
            let asked = ((request.json["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? "?"
            return .chat("answer to \(asked)")
        }
        defer { upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            try await raw.send(Self.health + Self.chat("one") + Self.health + Self.chat("two") + Self.chat("three") + Self.health)
            let text = await raw.receive(until: { $0.components(separatedBy: "HTTP/1.1 200").count - 1 == 6 })
            let order = ["ok\n", "answer to one", "ok\n", "answer to two", "answer to three", "ok\n"]
            var position = text.startIndex
            for marker in order {
                guard let found = text.range(of: marker, range: position..<text.endIndex) else {
                    Issue.record("'\(marker)' is missing or out of order in:\n\(text)")
                    break
                }
                position = found.upperBound
            }
            #expect(text.components(separatedBy: "x-request-id").count - 1 == 3)
            try await raw.close()
        }
    }

    @Test func aClientThatExpectsContinueIsToldToSendItsBody() async throws {
        let upstream = try await MockUpstream { _ in .chat("go on") }
        defer { upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            let request = Self.chat("x")
            let split = try #require(request.range(of: "\r\n\r\n"))
            try await raw.send(request[..<split.lowerBound] + "\r\nexpect: 100-continue\r\n\r\n")
            let interim = await raw.receive(until: { $0.contains("\r\n\r\n") })
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
            try await raw.send(String(request[split.upperBound...]))
            let text = await raw.receive(until: { $0.contains("go on") })
            #expect(text.contains("HTTP/1.1 200 OK"))
            try await raw.close()
        }
    }

    @Test func aClientThatLeavesStopsTheUpstreamCall() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.chat("too late"))
        defer { gate.open(); upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            try await raw.send(Self.chat("x"))
            #expect(await gate.waitForHeld(1) == 1)
            try await raw.close()
            // The attempt is cancelled: its upstream connection is closed, not left waiting for the answer.
            let counts = await upstream.waitForConnections { $0.open == 0 }
            #expect(counts.open == 0, "\(counts)")
        }
    }

    /// The rest of a stream is pushed from the upstream's loop to the client's: a client that leaves
    /// mid-stream still stops the upstream, and the request counts as the client's going.
    @Test func aClientThatLeavesAStreamStopsTheUpstream() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.sse(["Hel", "lo"]), fromPart: 1)
        defer { gate.open(); upstream.syncShutdown() }
        let store = LogStore()
        try await LiveGateway.run(Self.yaml(upstream), logger: store.logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            try await raw.send(Self.chat("x", stream: true))
            let start = await raw.receive { $0.contains(#""content":"Hel""#) }
            #expect(start.contains(#""content":"Hel""#))
            try await raw.close()
            let counts = await upstream.waitForConnections { $0.open == 0 }
            #expect(counts.open == 0, "\(counts)")
            // Logged once the request is recorded.
            _ = await store.line { $0.message == "stream left by its client" }
            let route = gateway.gateway.live.summaries(by: .route, minutes: 60)["chat"]
            #expect(route?.errors["client_closed"] == 1, "\(String(describing: route))")
        }
    }

    /// A stream that breaks after its rest was handed over ends with one error event, never `[DONE]`.
    @Test func aStreamThatBreaksAfterItStartedEndsWithOneErrorEvent() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.sse(["Hel", "lo"], done: false, cut: true), fromPart: 1)
        defer { gate.open(); upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            try await raw.send(Self.chat("x", stream: true))
            _ = await raw.receive { $0.contains(#""content":"Hel""#) }
            gate.open()
            // The answer is chunked: it ends with the zero-length chunk.
            let text = await raw.receive { $0.hasSuffix("0\r\n\r\n") }
            #expect(text.contains(#""content":"lo""#))
            #expect(text.components(separatedBy: "stream_interrupted").count == 2, "\(text)")
            #expect(!text.contains("[DONE]"))
            try await raw.close()
        }
    }

    @Test func connectionCloseClosesAfterTheAnswer() async throws {
        let upstream = try await MockUpstream { _ in .chat("bye") }
        defer { upstream.syncShutdown() }
        try await LiveGateway.run(Self.yaml(upstream), logger: LogStore().logger()) { gateway in
            let raw = try await RawConnection(port: gateway.port)
            try await raw.send(Self.chat("x", closing: true))
            let text = await raw.receive(until: { _ in false })
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains("bye"))
            #expect(raw.isClosed)
        }
    }
}

/// A plain TCP connection to the gateway: bytes out as given, everything that comes back. Each read and
/// the close are events the test waits on, never a clock.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let received: NIOLockedValueBox<(text: String, closed: Bool)>
    private let arrivals: AsyncStream<Void>

    init(port: Int) async throws {
        let received = NIOLockedValueBox((text: "", closed: false))
        let (arrivals, arrived) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.received = received
        self.arrivals = arrivals
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received, arrived: arrived))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    var isClosed: Bool { received.withLockedValue { $0.closed } }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// What has arrived once `done` holds of it or the gateway has closed the connection. The suite's
    /// time limit bounds a gateway that never answers.
    func receive(until done: @Sendable (String) -> Bool) async -> String {
        for await _ in arrivals {
            let (text, closed) = received.withLockedValue { ($0.text, $0.closed) }
            if closed || done(text) { return text }
        }
        return received.withLockedValue { $0.text }
    }

    func close() async throws {
        try await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<(text: String, closed: Bool)>
        let arrived: AsyncStream<Void>.Continuation

        init(received: NIOLockedValueBox<(text: String, closed: Bool)>, arrived: AsyncStream<Void>.Continuation) {
            self.received = received
            self.arrived = arrived
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            received.withLockedValue { $0.text += text }
            arrived.yield()
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLockedValue { $0.closed = true }
            arrived.yield()
            arrived.finish()
        }
    }
}
