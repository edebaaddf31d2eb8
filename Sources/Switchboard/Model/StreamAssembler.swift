/// Puts a streamed answer back together: each choice's text, refusal and tool calls (argument pieces
/// joined by call index), its finish reason, and the usage.
public struct StreamAssembler: Sendable {
    private var choices: [Int: Choice] = [:]
    public private(set) var usage: Usage?

    private struct Choice: Sendable {
        var content = ""
        var refusal: String?
        var calls: [Int: ToolCall] = [:]
        var finishReason: FinishReason?
    }

    public init() {}

    public mutating func add(_ chunk: ChatChunk) {
        if let usage = chunk.usage { self.usage = usage }
        for delta in chunk.choices {
            var choice = choices[delta.index] ?? Choice()
            if let content = delta.content { choice.content += content }
            if let refusal = delta.refusal { choice.refusal = (choice.refusal ?? "") + refusal }
            for piece in delta.toolCalls {
                var call = choice.calls[piece.index] ?? ToolCall(id: "", name: "", arguments: "")
                if let id = piece.id { call.id = id }
                if let type = piece.type { call.type = type }
                if let name = piece.name { call.name += name }
                if let arguments = piece.arguments { call.arguments += arguments }
                choice.calls[piece.index] = call
            }
            if let reason = delta.finishReason { choice.finishReason = reason }
            choices[delta.index] = choice
        }
    }

    /// The choices read so far, by index.
    public var assembled: [ChatChoice] {
        choices.keys.sorted().compactMap { index in
            guard let choice = choices[index] else { return nil }
            let message = ChatMessage(
                role: "assistant", content: choice.content,
                toolCalls: choice.calls.keys.sorted().compactMap { choice.calls[$0] }, refusal: choice.refusal)
            return ChatChoice(index: index, message: message, finishReason: choice.finishReason ?? .stop)
        }
    }
}
