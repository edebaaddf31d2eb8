import SwitchboardJSON

extension ChatChoice {
    /// One element of a `chat.completion`'s `choices`; nil when it is not an object.
    init?(openAI value: JSONValue, position: Int) {
        guard let object = value.object else { return nil }
        let message = object["message"].flatMap { try? ChatMessage(openAI: Self.withRole($0), at: position) }
        self.init(
            index: object["index"]?.integer ?? position, message: message ?? .assistant(""),
            finishReason: FinishReason(upstream: object["finish_reason"]?.string), logprobs: object["logprobs"])
    }

    /// Answers from some servers leave out the message's role.
    private static func withRole(_ message: JSONValue) -> JSONValue {
        guard var object = message.object, object["role"] == nil else { return message }
        object.members.insert(JSONObject.Member(key: "role", value: .string("assistant")), at: 0)
        return .object(object)
    }
}

extension ChoiceDelta {
    /// One element of a `chat.completion.chunk`'s `choices`; nil when it is not an object.
    init?(openAI value: JSONValue, position: Int) {
        guard let object = value.object else { return nil }
        let delta = object["delta"]
        self.init(
            index: object["index"]?.integer ?? position, role: delta?["role"]?.string,
            content: delta?["content"]?.string,
            toolCalls: delta?["tool_calls"]?.array?.compactMap { ToolCallDelta(openAI: $0) } ?? [],
            refusal: delta?["refusal"]?.string,
            finishReason: object["finish_reason"]?.string.map { FinishReason(upstream: $0) })
    }

    /// Whether the delta adds nothing yet (the role-only first chunk most servers send).
    var isEmpty: Bool {
        (content ?? "").isEmpty && toolCalls.isEmpty && refusal == nil && finishReason == nil
    }

    /// The delta that carries a whole message at once (a complete answer replayed as a stream).
    init(whole choice: ChatChoice) {
        let message = choice.message
        self.init(
            index: choice.index, role: "assistant",
            content: message.content.isEmpty && !message.toolCalls.isEmpty ? nil : message.content,
            toolCalls: message.toolCalls.enumerated().map { position, call in
                ToolCallDelta(index: position, id: call.id, type: call.type, name: call.name, arguments: call.arguments)
            },
            refusal: message.refusal, finishReason: choice.finishReason)
    }
}

extension Usage {
    /// `usage` when it has both token counts.
    init?(openAI value: JSONValue?) {
        guard let value, let prompt = value["prompt_tokens"]?.integer, let completion = value["completion_tokens"]?.integer
        else { return nil }
        self.init(promptTokens: prompt, completionTokens: completion, totalTokens: value["total_tokens"]?.integer)
    }
}
