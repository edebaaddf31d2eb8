import SwitchboardJSON

/// One choice of an answer (there are `n` when the request asked for more than one).
public struct ChatChoice: Sendable, Hashable {
    public var index: Int
    /// The assistant's message: text, tool calls, refusal, and other members (`annotations`, `audio`).
    public var message: ChatMessage
    public var finishReason: FinishReason
    /// Token log probabilities, when the request asked for them, as the upstream sent them.
    public var logprobs: JSONValue?

    public init(index: Int = 0, message: ChatMessage, finishReason: FinishReason = .stop, logprobs: JSONValue? = nil) {
        self.index = index
        self.message = message
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

/// What one streamed chunk adds to one choice.
public struct ChoiceDelta: Sendable, Hashable {
    public var index: Int
    public var role: String?
    public var content: String?
    public var toolCalls: [ToolCallDelta]
    public var refusal: String?
    /// Set on the choice's last chunk.
    public var finishReason: FinishReason?

    public init(
        index: Int = 0, role: String? = nil, content: String? = nil, toolCalls: [ToolCallDelta] = [],
        refusal: String? = nil, finishReason: FinishReason? = nil
    ) {
        self.index = index
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.refusal = refusal
        self.finishReason = finishReason
    }
}
