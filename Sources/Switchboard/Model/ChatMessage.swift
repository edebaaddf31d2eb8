import SwitchboardJSON

/// One message of a conversation, in OpenAI's terms: text or content parts, and the tool-calling fields.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `developer`, `user`, `assistant`, `tool` (other roles pass through to OpenAI-compatible
    /// upstreams).
    public var role: String
    /// The text: the string content, or the text parts joined with newlines.
    public var content: String
    /// The content parts (text, images, audio, files) when the message has them; nil for a string content.
    public var parts: [ContentPart]?
    /// A participant's name.
    public var name: String?
    /// The calls an assistant message makes.
    public var toolCalls: [ToolCall]
    /// Which call a `tool` message answers.
    public var toolCallID: String?
    /// An assistant's refusal to answer.
    public var refusal: String?
    /// Other members (`audio`, `annotations`, fields of later API versions), sent to OpenAI-compatible
    /// upstreams as they are.
    public var extraFields: JSONObject

    public init(
        role: String, content: String, parts: [ContentPart]? = nil, name: String? = nil, toolCalls: [ToolCall] = [],
        toolCallID: String? = nil, refusal: String? = nil, extraFields: JSONObject = JSONObject()
    ) {
        self.role = role
        self.content = content
        self.parts = parts
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.refusal = refusal
        self.extraFields = extraFields
    }

    /// A message made of content parts; `content` becomes the text parts joined with newlines.
    public init(role: String, parts: [ContentPart]) {
        self.init(role: role, content: ContentPart.text(of: parts), parts: parts)
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func user(_ parts: [ContentPart]) -> ChatMessage { ChatMessage(role: "user", parts: parts) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }

    /// An assistant turn that called tools (its content is null upstream).
    public static func assistant(toolCalls: [ToolCall]) -> ChatMessage {
        ChatMessage(role: "assistant", content: "", toolCalls: toolCalls)
    }

    /// A tool's result, answering the call `callID`.
    public static func tool(_ content: String, callID: String) -> ChatMessage {
        ChatMessage(role: "tool", content: content, toolCallID: callID)
    }
}
