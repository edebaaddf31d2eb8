import AsyncHTTPClient
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Switchboard
import SwitchboardConfig
@testable import SwitchboardServer
import Testing

/// The chat channel handler in a test channel: what reaches Hummingbird's handlers behind it, and when.
@Suite(.timeLimit(.minutes(1))) struct ChatChannelHandlerTests {
    /// Behind the chat handler, in Hummingbird's place: records what gets through, and says so.
    final class Behind: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPRequestPart
        private let seen = NIOLockedValueBox<[String]>([])
        private let (arrivals, arrived) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

        var events: [String] { seen.withLockedValue { $0 } }

        /// The events once there are `count` of them; the suite's time limit bounds a wait that never ends.
        func events(count: Int) async -> [String] {
            if events.count >= count { return events }
            for await _ in arrivals where events.count >= count { break }
            return events
        }

        private func record(_ line: String) {
            seen.withLockedValue { $0.append(line) }
            arrived.yield()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): record("head \(head.path ?? "")")
            case .body: record("body")
            case .end: record("end")
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { record("quiesce") }
        }
    }

    static func gateway() throws -> Gateway {
        let configuration = try SwitchboardConfiguration.parse(GatewayTests.templateOnly).configuration
        // The shared HTTP client: the test channel lets go of the engine when it closes.
        let engine = try Switchboard(
            configuration: configuration, environment: [:], httpClient: .shared, logger: GatewayTests.quiet)
        return Gateway(
            engine: engine, settings: GatewaySettings(host: "127.0.0.1", port: 0), logger: GatewayTests.quiet,
            metrics: GatewayMetrics())
    }

    /// A test channel with the chat handler in front of `behind`.
    static func channel(_ behind: Behind) async throws -> NIOAsyncTestingChannel {
        let gateway = try gateway()
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandlers(ChatCompletionsChannelHandler(gateway: gateway), behind)
        }
        return channel
    }

    static func chatHead() -> HTTPRequest {
        HTTPRequest(method: .post, scheme: "http", authority: "gateway", path: "/v1/chat/completions")
    }

    /// The answer's parts, once its end has been written.
    static func answer(from channel: NIOAsyncTestingChannel) async throws -> [HTTPResponsePart] {
        var parts: [HTTPResponsePart] = []
        while true {
            let part = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self)
            parts.append(part)
            if case .end = part { return parts }
        }
    }

    @Test func aGracefulShutdownWaitsForTheAnswerInFlight() async throws {
        let behind = Behind()
        let channel = try await Self.channel(behind)
        try await channel.writeInbound(HTTPRequestPart.head(Self.chatHead()))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try await channel.writeInbound(HTTPRequestPart.body(GatewayTests.chatBody()))
        #expect(behind.events.isEmpty, "Hummingbird was told to close with a chat request in flight")
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        let parts = try await Self.answer(from: channel)
        guard case .head(let head) = parts.first else {
            Issue.record("no head: \(parts)")
            return
        }
        #expect(head.status == .ok)
        #expect(await behind.events(count: 1) == ["quiesce"])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aRequestBehindAChatAnswerWaitsForIt() async throws {
        let behind = Behind()
        let channel = try await Self.channel(behind)
        try await channel.writeInbound(HTTPRequestPart.head(Self.chatHead()))
        try await channel.writeInbound(HTTPRequestPart.body(GatewayTests.chatBody()))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "gateway", path: "/healthz")))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        _ = try await Self.answer(from: channel)
        #expect(await behind.events(count: 2) == ["head /healthz", "end"])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func aStreamedPartWaitsOnlyWhenTheClientCannotTakeMore() async throws {
        let channel = try await Self.channel(Behind())
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080))  // active, as a client's is
        let loop = channel.testingEventLoop
        let part = HTTPResponsePart.body(ByteBuffer(string: "data: {}\n\n"))
        @Sendable func write() throws -> EventLoopFuture<Void>? {
            try channel.pipeline.syncOperations.handler(type: ChatCompletionsChannelHandler.self).writePart(part, on: loop)
        }
        let whileWritable = try await loop.executeInContext { try write() == nil }
        #expect(whileWritable, "a write waited although the client keeps up")
        // The end always waits until it has left: a close or the next request comes after it.
        let end = try await loop.executeInContext {
            try channel.pipeline.syncOperations.handler(type: ChatCompletionsChannelHandler.self)
                .writePart(.end(nil), on: loop)
        }
        #expect(end != nil, "the end of an answer did not wait until it had left")
        try await end?.get()
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == part)
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
        channel.isWritable = false
        let wait = try await loop.executeInContext { try write() }
        #expect(wait != nil, "a write did not wait for a client that cannot take more")
        try await wait?.get()
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == part)
        // Kept past the close, which takes the handler out of the pipeline.
        let handler = try await loop.executeInContext {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ChatCompletionsChannelHandler.self), eventLoop: loop)
        }
        try await channel.close()
        let afterClose = try await loop.executeInContext { handler.value.writePart(part, on: loop) }
        await #expect(throws: ChannelError.ioOnClosedChannel) { try await afterClose?.get() }
    }

    @Test func otherRequestsPassThroughAtOnce() async throws {
        let behind = Behind()
        let channel = try await Self.channel(behind)

        try await channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "gateway", path: "/v1/chat/completions")))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(behind.events == ["head /v1/chat/completions", "end"])
        _ = try await channel.finish(acceptAlreadyClosed: true)

    }
}
