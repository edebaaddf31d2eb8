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
    let first: ChatChunk
    let rest: AsyncThrowingStream<ChatChunk, any Error>

    init(route: String, provider: String, model: String, trace: AttemptTrace, first: ChatChunk,
         rest: AsyncThrowingStream<ChatChunk, any Error>) {
        self.route = route
        self.provider = provider
        self.model = model
        self.trace = trace
        self.first = first
        self.rest = rest
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Failure = SwitchboardError
        var first: ChatChunk?
        var rest: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator
        let provider: String
        let route: String
        let trace: AttemptTrace

        public mutating func next() async throws(SwitchboardError) -> ChatChunk? {
            if let chunk = first {
                first = nil
                return chunk
            }
            do {
                return try await rest.next()
            } catch {
                let failure = UpstreamHTTP.failure(for: error)
                throw SwitchboardError(
                    .streamInterrupted, "the stream from \(provider) broke after it had started: \(failure.message)",
                    route: route, trace: trace)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(first: first, rest: rest.makeAsyncIterator(), provider: provider, route: route, trace: trace)
    }

    /// Reads the whole stream into one text.
    public func collectText() async throws(SwitchboardError) -> String {
        var text = ""
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() { text += chunk.delta }
        return text
    }
}
