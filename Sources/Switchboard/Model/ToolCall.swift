/// A function call an assistant makes: the name and the arguments (a JSON text the model wrote, as it
/// wrote it).
public struct ToolCall: Sendable, Hashable {
    public var id: String
    /// `function` (the only type OpenAI's chat API defines for now).
    public var type: String
    public var name: String
    public var arguments: String

    public init(id: String, type: String = "function", name: String, arguments: String) {
        self.id = id
        self.type = type
        self.name = name
        self.arguments = arguments
    }
}

/// A piece of a tool call in a streamed answer: the first piece of a call carries its `id` and `name`,
/// later pieces more of its `arguments`. Pieces of one call share its `index`.
public struct ToolCallDelta: Sendable, Hashable {
    public var index: Int
    public var id: String?
    public var type: String?
    public var name: String?
    public var arguments: String?

    public init(index: Int, id: String? = nil, type: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.type = type
        self.name = name
        self.arguments = arguments
    }
}
