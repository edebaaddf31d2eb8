import SwitchboardConfig

/// A streamed answer that has started: who answered, the trace up to the first chunk, and the chunks.
///
/// Iterating yields every chunk; an upstream failure after the start ends the iteration with a
/// `SwitchboardError` of kind `.streamInterrupted`, never a silent clean finish.
public struct ChatStream: AsyncSequence, Sendable {
    public typealias Element = ChatChunk
    public typealias Failure = SwitchboardError

    public let route: String
    public let provider: String
    public let model: String
    public let trace: AttemptTrace
    /// Served from the route's response cache: one chunk holding the whole answer, then the end; no
    /// upstream was called and the trace is empty.
    public let cacheHit: Bool
    /// What the upstream's pricing says this answer costs (the answering target's `price:`); nil when
    /// it has none.
    public let price: Price?
    let first: ChatChunk
    let rest: AsyncThrowingStream<ChatChunk, any Error>
    /// Told how the stream ended (how a streamed request is counted, and fills the response cache).
    let settlement: StreamSettlement?
    /// Where `rest` comes from and how to stop it, for a reader that takes the rest pushed
    /// (`AsyncIterator.relay(to:)`); nil for an answer that is already whole.
    let upstream: Upstream?
    typealias Upstream = (sink: ChunkSink, stop: @Sendable () -> Void)

    init(route: String, provider: String, model: String, trace: AttemptTrace, first: ChatChunk,
         rest: AsyncThrowingStream<ChatChunk, any Error>, cacheHit: Bool = false, price: Price? = nil,
         settlement: StreamSettlement? = nil, upstream: Upstream? = nil) {
        self.route = route
        self.provider = provider
        self.model = model
        self.trace = trace
        self.cacheHit = cacheHit
        self.price = price
        self.first = first
        self.rest = rest
        self.settlement = settlement
        self.upstream = upstream
    }

    /// A stream that is already complete: `chunk` is the whole answer (a cache hit).
    static func complete(route: String, provider: String, model: String, chunk: ChatChunk) -> ChatStream {
        let (rest, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        continuation.finish()
        return ChatStream(route: route, provider: provider, model: model, trace: AttemptTrace(), first: chunk,
                          rest: rest, cacheHit: true)
    }

    /// Tells the engine the reader stopped before the end (the client went away), so that the request is
    /// counted as such at once rather than when the stream is released.
    public func abandon() { settlement?.settle(.abandoned) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Failure = SwitchboardError
        var first: ChatChunk?
        var rest: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator
        let provider: String
        let route: String
        let trace: AttemptTrace
        let settlement: StreamSettlement?
        var progress: StreamProgress
        var ended = false
        let upstream: Upstream?
        /// Chunks read from `rest` (the first is not among them).
        var readFromRest = 0

        public mutating func next() async throws(SwitchboardError) -> ChatChunk? {
            if let chunk = first {
                first = nil
                progress.note(chunk)
                return chunk
            }
            if ended { return nil }
            let next: ChatChunk?
            do {
                next = try await rest.next()
            } catch {
                // A broken stream never counts as finished, however often it is asked again.
                ended = true
                throw ChatStream.interrupted(
                    by: UpstreamHTTP.failure(for: error), provider: provider, route: route, trace: trace,
                    settlement: settlement)
            }
            guard let chunk = next else {
                ended = true
                // A reader whose task is cancelled sees the stream end too: that is the reader leaving, not
                // the upstream finishing (nor an answer for the cache), and no clean end for it.
                if Task.isCancelled {
                    settlement?.settle(.abandoned)
                    throw SwitchboardError(
                        .cancelled, "the stream from \(provider) was left before its end: its reader was cancelled",
                        route: route, trace: trace)
                }
                settlement?.settle(progress.finished)
                return nil
            }
            readFromRest += 1
            progress.note(chunk)
            return chunk
        }

        /// Hands the rest of the stream to `target`, pushed as each chunk arrives from where the upstream
        /// is read (no task between upstream and target). Only once the first chunk has been read and
        /// nothing read from the upstream waits here; nil otherwise (read on, and ask again) and for an
        /// answer that is already whole. After it, this iterator is done.
        package mutating func relay(to target: any ChatStreamRelayTarget) -> ChatStreamRelay? {
            guard canRelay, let upstream else { return nil }
            let relay = ChatStreamRelay(
                target: target, progress: progress, provider: provider, route: route, trace: trace,
                settlement: settlement, stop: upstream.stop)
            guard upstream.sink.redirect(to: relay, consumed: readFromRest) else { return nil }
            ended = true
            return relay
        }

        /// Whether `relay(to:)` would hand the rest over now (it checks again): a reader asks before it
        /// makes a target.
        package var canRelay: Bool {
            guard first == nil, !ended, let upstream else { return false }
            return upstream.sink.canRedirect(consumed: readFromRest)
        }

    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(first: first, rest: rest.makeAsyncIterator(), provider: provider, route: route, trace: trace,
                      settlement: settlement,
                      progress: StreamProgress(assembled: settlement?.assembles == true ? StreamAssembler() : nil),
                      upstream: upstream)
    }

    /// The error a reader gets when the upstream broke after the stream started; the settlement learns
    /// how, and the trace says how the attempt that opened the stream failed after all.
    static func interrupted(
        by failure: UpstreamFailure, provider: String, route: String, trace: AttemptTrace, settlement: StreamSettlement?
    ) -> SwitchboardError {
        var trace = trace
        if let settlement {
            let errorClass = settlement.errorClass(of: failure)
            if let last = trace.entries.lastIndex(where: { $0.outcome.isCall }) {
                trace.entries[last].outcome = .failure(errorClass: errorClass, status: failure.status)
                trace.entries[last].message = "broke after the stream started: \(failure.message)"
            }
            settlement.settle(.interrupted(errorClass: errorClass, failure: failure))
        }
        return SwitchboardError(
            .streamInterrupted, "the stream from \(provider) broke after it had started: \(failure.message)",
            route: route, trace: trace)
    }

    /// Reads the whole stream into one text (the first choice's).
    public func collectText() async throws(SwitchboardError) -> String {
        var text = ""
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() { text += chunk.delta }
        return text
    }

    /// Reads the whole stream and puts the answer together: every choice with its text, tool calls
    /// (arguments joined) and finish reason, and the usage.
    public func collect() async throws(SwitchboardError) -> ChatCompletion {
        var assembler = StreamAssembler()
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() { assembler.add(chunk) }
        return ChatCompletion(
            choices: assembler.assembled, usage: assembler.usage, route: route, provider: provider, model: model,
            trace: trace, cacheHit: cacheHit)
    }
}

/// What a stream's reader has taken from it so far: the usage the upstream reported, and the whole answer
/// when the settlement wants it (to fill the response cache).
struct StreamProgress: Sendable {
    var usage: Usage?
    var assembled: StreamAssembler?

    mutating func note(_ chunk: ChatChunk) {
        if let chunkUsage = chunk.usage { usage = chunkUsage }
        assembled?.add(chunk)
    }

    /// How a stream read to its clean end settles.
    var finished: StreamSettlement.End { .finished(usage: usage, assembled: assembled) }
}
