import NIOConcurrencyHelpers
import NIOPosix
@testable import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// A started stream's rest pushed to a target (`ChatStream.AsyncIterator.relay(to:)`) rather than read by
/// a task: the same chunks, the same end, and a reader that leaves stops the upstream.
@Suite(.timeLimit(.minutes(1))) struct StreamRelayTests {
    /// Collects what is pushed to it; `end()` waits for the end.
    final class Collector: ChatStreamRelayTarget {
        private let chunks = NIOLockedValueBox<[ChatChunk]>([])
        private let (ends, ended) = AsyncStream<Result<Usage?, SwitchboardError>>.makeStream(bufferingPolicy: .bufferingOldest(2))

        var deltas: [String] { chunks.withLockedValue { $0.map(\.delta) } }

        func relay(_ chunk: ChatChunk) { chunks.withLockedValue { $0.append(chunk) } }

        func relayEnded(_ end: Result<Usage?, SwitchboardError>) { ended.yield(end) }

        func end() async -> Result<Usage?, SwitchboardError>? {
            for await end in ends { return end }
            return nil
        }
    }

    /// Streams from an upstream that sends the first event of `reply` and holds the rest until the gate
    /// opens; `body` gets the iterator with that first chunk read, the rest not yet handed over.
    static func withStarted(
        _ reply: MockUpstream.Reply,
        _ body: @Sendable (inout ChatStream.AsyncIterator, MockUpstream, MockUpstream.MockGate) async throws -> Void
    ) async throws {
        let (upstream, gate) = try await MockUpstream.holding(reply, fromPart: 1)
        defer { gate.open(); upstream.syncShutdown() }
        let yaml = EngineHarness.chain([("primary", upstream.url("/v1"), [])], withTemplate: false)
        try await EngineHarness.withEngine(yaml) { engine in
            let stream = try await engine.stream(ChatRequest(messages: [.user("x")]), route: "chat")
            var iterator = stream.makeAsyncIterator()
            // Before the first chunk is read, nothing is handed over.
            #expect(iterator.relay(to: Collector()) == nil)
            #expect(try await iterator.next()?.delta == "Hel")
            try await body(&iterator, upstream, gate)
        }
    }

    @Test func theRestArrivesInOrderAndEndsCleanly() async throws {
        try await Self.withStarted(.sse(["Hel", "lo", " world"])) { iterator, _, gate in
            let collector = Collector()
            #expect(iterator.relay(to: collector) != nil, "the rest was not handed over with nothing waiting")
            // The iterator is done: the rest goes to the target only.
            let next = try await iterator.next()
            #expect(next == nil)
            gate.open()
            guard case .success = await collector.end() else {
                Issue.record("the relayed stream did not end cleanly")
                return
            }
            #expect(collector.deltas.filter { !$0.isEmpty } == ["lo", " world"])
        }
    }

    @Test func aStreamBrokenAfterTheHandOverEndsWithItsError() async throws {
        try await Self.withStarted(.sse(["Hel", "lo"], done: false, cut: true)) { iterator, _, gate in
            let collector = Collector()
            #expect(iterator.relay(to: collector) != nil)
            gate.open()
            guard case .failure(let error) = await collector.end() else {
                Issue.record("a cut stream ended cleanly")
                return
            }
            #expect(error.kind == .streamInterrupted)
            #expect(collector.deltas == ["lo"])
        }
    }

    @Test func aReaderThatLeavesStopsTheUpstream() async throws {
        try await Self.withStarted(.sse(["Hel", "lo"])) { iterator, upstream, _ in
            let collector = Collector()
            let relay = iterator.relay(to: collector)
            #expect(relay != nil)
            relay?.cancel()
            let counts = await upstream.waitForConnections { $0.open == 0 }
            #expect(counts.open == 0, "the upstream was not stopped: \(counts)")
            #expect(collector.deltas.isEmpty)
        }
    }

    /// The sink hands over only when the reader has read every chunk sent into its stream.
    @Test func theSinkHandsOverOnlyWhenNothingWaits() async throws {
        let (first, firstIn) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let (rest, restIn) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let sink = ChunkSink(
            first: firstIn, rest: restIn,
            watchdog: StreamWatchdog(idleTimeout: .seconds(60), timers: EventLoopTimers(group: MultiThreadedEventLoopGroup.singleton)),
            lease: nil)
        let receiver = Receiver()
        #expect(!sink.redirect(to: receiver, consumed: 0), "handed over before the first chunk")
        sink.yield(ChatChunk(delta: "first"))
        sink.yield(ChatChunk(delta: "a"))
        #expect(!sink.canRedirect(consumed: 0))
        #expect(!sink.redirect(to: receiver, consumed: 0), "handed over with a chunk waiting in the stream")
        #expect(sink.canRedirect(consumed: 1))
        #expect(sink.redirect(to: receiver, consumed: 1))
        #expect(!sink.canRedirect(consumed: 1), "handed over twice")
        // The reader's stream going away after the hand-over ends nothing: the receiver reads the rest now.
        #expect(!sink.readerLeft())
        sink.yield(ChatChunk(delta: "b"))
        sink.finish()
        #expect(receiver.log == ["b", "end"])
        var firstChunks: [String] = []
        for try await chunk in first { firstChunks.append(chunk.delta) }
        var restChunks: [String] = []
        for try await chunk in rest { restChunks.append(chunk.delta) }
        #expect(firstChunks == ["first"])
        #expect(restChunks == ["a"])
    }

    final class Receiver: ChunkReceiver {
        private let box = NIOLockedValueBox<[String]>([])
        var log: [String] { box.withLockedValue { $0 } }
        func receive(_ chunk: ChatChunk) { box.withLockedValue { $0.append(chunk.delta) } }
        func finish(throwing failure: UpstreamFailure?) { box.withLockedValue { $0.append(failure == nil ? "end" : "failure") } }
    }
}
