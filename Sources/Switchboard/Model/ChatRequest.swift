import SwitchboardConfig
import SwitchboardJSON

/// What a caller asks for: a conversation, sampling settings, and optionally tools, a response format
/// and any other field of OpenAI's chat API. Each adapter maps it onto its API: OpenAI-compatible ones
/// relay all of it, text-only ones take the text (and are skipped when the request needs more).
public struct ChatRequest: Sendable, Hashable {
    public var messages: [ChatMessage]
    /// Upper bound on generated tokens; a target's `max_tokens` parameter can only lower it.
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stop: [String]
    /// Extra values for template targets (`{{topic}}`, …). `prompt` is always the last user message.
    public var variables: [String: String]
    public var tools: [ChatTool]
    /// `auto`, `none`, `required`, or a named function, as JSON.
    public var toolChoice: JSONValue?
    public var responseFormat: ResponseFormat?
    /// How many choices to generate (`n`).
    public var choiceCount: Int
    /// Every other top-level field (`seed`, `logprobs`, `user`, `parallel_tool_calls`, fields of later
    /// API versions), sent to OpenAI-compatible upstreams as it is.
    public var extraFields: JSONObject
    /// The client's JSON body when the request came over HTTP: OpenAI-compatible targets receive these
    /// very bytes with only the gateway's documented changes, whatever the typed fields can express.
    package var body: JSONObjectBytes?

    public init(
        messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
        stop: [String] = [], variables: [String: String] = [:], tools: [ChatTool] = [], toolChoice: JSONValue? = nil,
        responseFormat: ResponseFormat? = nil, choiceCount: Int = 1, extraFields: JSONObject = JSONObject()
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
        self.variables = variables
        self.tools = tools
        self.toolChoice = toolChoice
        self.responseFormat = responseFormat
        self.choiceCount = choiceCount
        self.extraFields = extraFields
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

    /// What a target must support to serve this request without dropping any of it (always `text`).
    public var needs: Set<Capability> { requiredCapabilities.set }

    /// `needs` as a mask, for the router.
    var requiredCapabilities: Capabilities {
        var needs = Capabilities(.text)
        if !tools.isEmpty || toolChoice != nil || extraFields["functions"] != nil || extraFields["function_call"] != nil {
            needs.insert(Capabilities(.tools))
        }
        for message in messages {
            if !message.toolCalls.isEmpty || message.toolCallID != nil || message.role == "tool"
                || message.role == "function" || message.extraFields["function_call"] != nil
            {
                needs.insert(Capabilities(.tools))
            }
            for part in message.parts ?? [] {
                if let need = part.need { needs.insert(Capabilities(need)) }
            }
        }
        switch responseFormat {
        case .jsonObject: needs.insert(Capabilities(.jsonObject))
        case .jsonSchema, .other: needs.insert(Capabilities(.jsonSchema))
        case .text, nil: break
        }
        if !extraFields.isEmpty {
            if extraFields["logprobs"]?.bool == true || extraFields["top_logprobs"].map({ !$0.isNull }) == true {
                needs.insert(Capabilities(.logprobs))
            }
            let modalities = extraFields["modalities"]?.array ?? []
            if modalities.contains(.string("audio")) || extraFields["audio"].map({ !$0.isNull }) == true {
                needs.insert(Capabilities(.audio))
            }
        }
        if choiceCount > 1 { needs.insert(Capabilities(.multipleChoices)) }
        return needs
    }
}
