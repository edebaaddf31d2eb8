import SwitchboardJSON

extension ChatRequest {
    /// Top-level fields the typed request holds itself, or that the gateway decides (`model`, `stream`,
    /// `stream_options`); every other field is kept in `extraFields`.
    static let typedFields: Set<String> = [
        "model", "stream", "stream_options", "messages", "max_tokens", "max_completion_tokens", "temperature",
        "top_p", "stop", "metadata", "tools", "tool_choice", "response_format", "n",
    ]

    /// Reads an OpenAI chat-completions body, checking each field the gateway uses so that a bad request
    /// says exactly what is wrong. The body is kept: OpenAI-compatible targets receive it as it is.
    public init(openAI body: JSONObjectBytes) throws(ChatRequestFormatError) {
        let object = body.object
        guard let rawMessages = object["messages"]?.array, !rawMessages.isEmpty else {
            throw ChatRequestFormatError("'messages' is required and must be a non-empty array")
        }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(rawMessages.count)
        for (index, raw) in rawMessages.enumerated() {
            messages.append(try ChatMessage(openAI: raw, at: index))
        }
        self.init(messages: messages)
        maxTokens = try Self.integer(object["max_completion_tokens"] ?? object["max_tokens"], "max_tokens", min: 1)
        temperature = try Self.number(object["temperature"], "temperature", range: 0...2)
        topP = try Self.number(object["top_p"], "top_p", range: 0...1)
        switch object["stop"] {
        case nil, .null: break
        case .string(let stop): self.stop = [stop]
        case .array(let stops):
            let strings = stops.compactMap(\.string)
            guard strings.count == stops.count, strings.count <= 4 else {
                throw ChatRequestFormatError("'stop' must be a string or an array of at most 4 strings")
            }
            self.stop = strings
        default: throw ChatRequestFormatError("'stop' must be a string or an array of strings")
        }
        choiceCount = try Self.integer(object["n"], "n", min: 1) ?? 1
        // OpenAI's `metadata` (string values) doubles as template variables, e.g. {"topic": "Swift"}.
        if let metadata = object["metadata"]?.object {
            for member in metadata { if let text = member.value.string { variables[member.key] = text } }
        }
        switch object["tools"] {
        case nil, .null: break
        case .array(let tools):
            self.tools = try tools.enumerated().map { (index, tool) throws(ChatRequestFormatError) in
                try ChatTool(openAI: tool, at: index)
            }
        default: throw ChatRequestFormatError("'tools' must be an array of tools")
        }
        if let choice = object["tool_choice"], !choice.isNull { toolChoice = choice }
        if let format = object["response_format"], !format.isNull { responseFormat = try ResponseFormat(openAI: format) }
        extraFields = JSONObject(object.members.filter { !Self.typedFields.contains($0.key) })
        self.body = body
    }

    /// The typed fields as an OpenAI chat-completions body, with `model`, `stream` and `stream_options`
    /// when given (how a request built in Swift reaches an OpenAI-compatible upstream).
    func writeOpenAIBody(model: String?, stream: Bool?, streamOptions: JSONValue? = nil) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 256 + messages.reduce(0) { $0 + $1.content.utf8.count + 48 })
        json.object { json in
            json.member("model", ifPresent: model)
            json.key("messages")
            json.array { json in for message in messages { message.write(to: &json) } }
            if !tools.isEmpty {
                json.key("tools")
                json.array { json in for tool in tools { tool.write(to: &json) } }
            }
            if let toolChoice {
                json.key("tool_choice")
                json.value(toolChoice)
            }
            if let responseFormat {
                json.key("response_format")
                responseFormat.write(to: &json)
            }
            json.member("max_tokens", ifPresent: maxTokens)
            json.member("temperature", ifPresent: temperature)
            json.member("top_p", ifPresent: topP)
            json.member("stop", ifNotEmpty: stop)
            if choiceCount != 1 { json.member("n", choiceCount) }
            for member in extraFields where !Self.typedFields.contains(member.key) {
                json.key(member.key)
                json.value(member.value)
            }
            if let stream { json.member("stream", stream) }
            if let streamOptions {
                json.key("stream_options")
                json.value(streamOptions)
            }
        }
        return json.bytes
    }

    /// Every field that shapes the answer, as bytes: two requests that differ in any of them (tools,
    /// response_format, a seed, a message part) differ here. `model`, `stream` and `stream_options`
    /// are left out: the route and the answer's form are keyed apart.
    var identity: [UInt8] {
        if let body { return body.writing(["model": .remove, "stream": .remove, "stream_options": .remove]) }
        return writeOpenAIBody(model: nil, stream: nil)
    }

    static func integer(_ value: JSONValue?, _ name: String, min: Int) throws(ChatRequestFormatError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let integer = value.integer, integer >= min else {
            throw ChatRequestFormatError("'\(name)' must be an integer of at least \(min)")
        }
        return integer
    }

    static func number(_ value: JSONValue?, _ name: String, range: ClosedRange<Double>) throws(ChatRequestFormatError) -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.number, range.contains(number) else {
            throw ChatRequestFormatError("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
