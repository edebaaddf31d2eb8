/// Why generation stopped, in OpenAI's words.
public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop
    case length
    case contentFilter = "content_filter"
    case toolCalls = "tool_calls"

    /// Maps an upstream's word onto ours; unknown words count as `stop`.
    public init(upstream: String?) {
        switch upstream {
        case "length", "max_tokens", "model_length": self = .length
        case "content_filter": self = .contentFilter
        case "tool_calls", "function_call": self = .toolCalls
        default: self = .stop
        }
    }
}

/// Token counts, when the upstream reports them.
public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens ?? promptTokens + completionTokens
    }
}

/// What one adapter call produced.
public struct AdapterOutput: Sendable, Hashable {
    public var text: String
    public var finishReason: FinishReason
    public var usage: Usage?
    /// The model the upstream says answered, when it says.
    public var model: String?

    public init(text: String, finishReason: FinishReason = .stop, usage: Usage? = nil, model: String? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
    }
}

/// A finished answer in one shape whatever answered it (OpenAI chat-completion semantics), with the
/// route, provider and model that actually answered and the trace of every attempt.
public struct ChatCompletion: Sendable, Hashable {
    public var text: String
    public var finishReason: FinishReason
    public var usage: Usage?
    public var route: String
    public var provider: String
    public var model: String
    public var trace: AttemptTrace
    /// Served from the route's response cache: no upstream was called and the trace is empty; `provider`
    /// and `model` are those that gave the cached answer.
    public var cacheHit: Bool

    public init(
        text: String, finishReason: FinishReason, usage: Usage?, route: String, provider: String, model: String,
        trace: AttemptTrace, cacheHit: Bool = false
    ) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.route = route
        self.provider = provider
        self.model = model
        self.trace = trace
        self.cacheHit = cacheHit
    }
}

/// A piece of a streamed answer.
public struct ChatChunk: Sendable, Hashable {
    /// Text added by this chunk (may be empty, e.g. on the last chunk).
    public var delta: String
    /// Set on the last chunk.
    public var finishReason: FinishReason?
    /// Set when the upstream reports usage (usually on the last chunk).
    public var usage: Usage?

    public init(delta: String, finishReason: FinishReason? = nil, usage: Usage? = nil) {
        self.delta = delta
        self.finishReason = finishReason
        self.usage = usage
    }
}
