/// One message of a conversation, in OpenAI's terms.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user`, `assistant` (other roles pass through to OpenAI-compatible upstreams).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
