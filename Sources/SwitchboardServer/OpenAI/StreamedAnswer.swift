import NIOCore
import Switchboard

/// A streamed chat answer's server-sent events, as the chunks come. Events that carry nothing a reader
/// shows (the role-only first chunk, a finish reason, usage) wait for the next one and go out in the same
/// write, and the events of one upstream read go out in one write: fewer writes, no token later.
struct StreamedAnswer: Sendable {
    let id: String
    let created: Int
    let model: String
    /// Whether the client asked for usage (`stream_options.include_usage`).
    let includeUsage: Bool
    /// The usage the upstream reported, once it has.
    private(set) var usage: Usage?
    private var pending = ByteBuffer()
    private var pendingShows = false
    private var first = true
    private var relayedAny = false

    init(id: String, created: Int, model: String, includeUsage: Bool) {
        self.id = id
        self.created = created
        self.model = model
        self.includeUsage = includeUsage
    }

    /// Takes a chunk; returns the events due to be written now (nil while they wait for more).
    mutating func add(_ chunk: ChatChunk) -> ByteBuffer? {
        if let chunkUsage = chunk.usage { usage = chunkUsage }
        if chunk.event != nil {
            // An OpenAI-compatible upstream's event goes out as it came.
            relayedAny = true
            if let (head, tail) = ChatCompletionResponse.relayed(chunk, includeUsage: includeUsage) { append(head, tail) }
        } else {
            append(ChatCompletionResponse.chunk(id: id, created: created, model: model, choices: chunk.choices, first: first))
        }
        first = false
        if chunk.carriesContent { pendingShows = true }
        guard pendingShows, !chunk.moreFollows else { return nil }
        return take()
    }

    /// The end of a stream read to its end: what is still pending, the usage chunk when the client asked
    /// for usage and the upstream's events did not carry it, and `[DONE]`.
    mutating func finish() -> ByteBuffer {
        if includeUsage, !relayedAny, let usage {
            append(ChatCompletionResponse.usageChunk(id: id, created: created, model: model, usage: usage))
        }
        append(ChatCompletionResponse.done)
        return take() ?? ByteBuffer()
    }

    /// The end of a broken stream: what is still pending, then the error event (never a clean `[DONE]`).
    mutating func failure(_ error: OpenAIError) -> ByteBuffer {
        append(error.json)
        return take() ?? ByteBuffer()
    }

    private mutating func append(_ json: some Collection<UInt8>, _ more: ArraySlice<UInt8> = []) {
        pending.reserveCapacity(pending.readableBytes + json.count + more.count + 8)
        pending.writeString("data: ")
        pending.writeBytes(json)
        pending.writeBytes(more)
        pending.writeString("\n\n")
    }

    /// The pending events, if any, for writing.
    private mutating func take() -> ByteBuffer? {
        guard pending.readableBytes > 0 else { return nil }
        defer {
            pending = ByteBuffer()
            pendingShows = false
        }
        return pending
    }
}
