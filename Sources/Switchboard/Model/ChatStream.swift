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
    let first: ChatChunk
    let rest: AsyncThrowingStream<ChatChunk, any Error>
    /// Called with the whole answer when an iteration reaches the end of the stream without an error
    /// (how a streamed answer fills the response cache).
    let onFinish: (@Sendable (Finished) -> Void)?
    /// Called when the stream breaks after it started (how the request comes to count as failed over).
    let onInterrupted: (@Sendable () -> Void)?

    /// A stream read to its clean end, put back together.
    typealias Finished = StreamAssembler

    init(route: String, provider: String, model: String, trace: AttemptTrace, first: ChatChunk,
         rest: AsyncThrowingStream<ChatChunk, any Error>, cacheHit: Bool = false,
         onFinish: (@Sendable (Finished) -> Void)? = nil, onInterrupted: (@Sendable () -> Void)? = nil) {
        self.route = route
        self.provider = provider
        self.model = model
        self.trace = trace
        self.cacheHit = cacheHit
        self.first = first
        self.rest = rest
        self.onFinish = onFinish
        self.onInterrupted = onInterrupted
    }

    /// A stream that is already complete: `chunk` is the whole answer (a cache hit).
    static func complete(route: String, provider: String, model: String, chunk: ChatChunk) -> ChatStream {
        let (rest, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        continuation.finish()
        return ChatStream(route: route, provider: provider, model: model, trace: AttemptTrace(), first: chunk,
                          rest: rest, cacheHit: true)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Failure = SwitchboardError
        var first: ChatChunk?
        var rest: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator
        let provider: String
        let route: String
        let trace: AttemptTrace
        let onFinish: (@Sendable (Finished) -> Void)?
        let onInterrupted: (@Sendable () -> Void)?
        /// What has been read so far, kept only when `onFinish` wants it.
        var read = StreamAssembler()
        var ended = false

        public mutating func next() async throws(SwitchboardError) -> ChatChunk? {
            if let chunk = first {
                first = nil
                note(chunk)
                return chunk
            }
            if ended { return nil }
            do {
                guard let chunk = try await rest.next() else {
                    ended = true
                    if let onFinish { onFinish(read) }
                    return nil
                }
                note(chunk)
                return chunk
            } catch {
                // A broken stream never counts as finished, however often it is asked again.
                ended = true
                onInterrupted?()
                let failure = UpstreamHTTP.failure(for: error)
                throw SwitchboardError(
                    .streamInterrupted, "the stream from \(provider) broke after it had started: \(failure.message)",
                    route: route, trace: trace)
            }
        }

        private mutating func note(_ chunk: ChatChunk) {
            guard onFinish != nil else { return }
            read.add(chunk)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(first: first, rest: rest.makeAsyncIterator(), provider: provider, route: route, trace: trace,
                      onFinish: onFinish, onInterrupted: onInterrupted)
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
