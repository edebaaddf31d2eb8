import SwitchboardConfig

/// What a caller asks for: a conversation and sampling settings. Each adapter maps it onto its API.
public struct ChatRequest: Sendable, Hashable {
    public var messages: [ChatMessage]
    /// Upper bound on generated tokens; a target's `max_tokens` parameter can only lower it.
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stop: [String]
    /// Extra values for template targets (`{{topic}}`, …). `prompt` is always the last user message.
    public var variables: [String: String]

    public init(
        messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
        stop: [String] = [], variables: [String: String] = [:]
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
        self.variables = variables
    }

    /// The last user message: what task-style APIs and templates treat as "the prompt".
    public var prompt: String {
        messages.last(where: { $0.role == "user" })?.content ?? messages.last?.content ?? ""
    }

    /// The request as one target sees it: its `max_tokens` caps the caller's, and its `temperature` and
    /// `top_p` fill in what the caller left out.
    func applying(_ target: Target) -> ChatRequest {
        var request = self
        if let cap = target.maxTokens { request.maxTokens = min(request.maxTokens ?? cap, cap) }
        if request.temperature == nil { request.temperature = target.parameters["temperature"]?.number }
        if request.topP == nil { request.topP = target.parameters["top_p"]?.number }
        return request
    }
}
