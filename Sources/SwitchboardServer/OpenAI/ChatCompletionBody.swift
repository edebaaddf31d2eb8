import Switchboard
import SwitchboardJSON

/// A `POST /v1/chat/completions` body, checked field by field so that a bad request says exactly what
/// is wrong. Fields Switchboard does not use are tolerated.
struct ChatCompletionBody: Sendable {
    var model: String
    var request: ChatRequest
    var stream: Bool
    var includeUsage: Bool

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(OpenAIError) -> ChatCompletionBody {
        guard !bytes.isEmpty else { throw .badRequest("the request body is empty: send a JSON chat completion request") }
        guard let document = try? JSONParser.parse(bytes), let object = document.object else {
            throw .badRequest("the request body is not a JSON object")
        }
        guard let model = object["model"]?.string, !model.isEmpty else {
            throw .badRequest("'model' is required: name a route or a model id (GET /v1/models lists them)", code: "missing_model")
        }
        guard let rawMessages = object["messages"]?.array, !rawMessages.isEmpty else {
            throw .badRequest("'messages' is required and must be a non-empty array")
        }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(rawMessages.count)
        for (index, raw) in rawMessages.enumerated() {
            guard let role = raw["role"]?.string else {
                throw .badRequest("messages[\(index)] must be an object with a 'role'")
            }
            messages.append(ChatMessage(role: role, content: try content(raw["content"], at: index)))
        }
        var request = ChatRequest(messages: messages)
        request.maxTokens = try integer(object["max_completion_tokens"] ?? object["max_tokens"], "max_tokens", min: 1)
        request.temperature = try number(object["temperature"], "temperature", range: 0...2)
        request.topP = try number(object["top_p"], "top_p", range: 0...1)
        switch object["stop"] {
        case nil, .null: break
        case .string(let stop): request.stop = [stop]
        case .array(let stops):
            let strings = stops.compactMap(\.string)
            guard strings.count == stops.count, strings.count <= 4 else {
                throw .badRequest("'stop' must be a string or an array of at most 4 strings")
            }
            request.stop = strings
        default: throw .badRequest("'stop' must be a string or an array of strings")
        }
        if let n = try integer(object["n"], "n", min: 1), n != 1 {
            throw .badRequest("'n' must be 1: Switchboard returns one choice", code: "unsupported_parameter")
        }
        // OpenAI's `metadata` (string values) doubles as template variables, e.g. {"topic": "Swift"}.
        if let metadata = object["metadata"]?.object {
            for member in metadata { if let text = member.value.string { request.variables[member.key] = text } }
        }
        let stream = try boolean(object["stream"], "stream") ?? false
        let includeUsage = object["stream_options"]?["include_usage"]?.bool ?? false
        return ChatCompletionBody(model: model, request: request, stream: stream, includeUsage: includeUsage)
    }

    /// A string, or an array of content parts of which the text parts are joined.
    private static func content(_ value: JSONValue?, at index: Int) throws(OpenAIError) -> String {
        switch value {
        case .string(let text): return text
        case nil, .null: return ""
        case .array(let parts):
            var texts: [String] = []
            for part in parts {
                guard let part = part.object else {
                    throw .badRequest("messages[\(index)].content parts must be objects")
                }
                if part["type"]?.string == "text", let text = part["text"]?.string { texts.append(text) }
            }
            return texts.joined(separator: "\n")
        default:
            throw .badRequest("messages[\(index)].content must be a string or an array of content parts")
        }
    }

    private static func integer(_ value: JSONValue?, _ name: String, min: Int) throws(OpenAIError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let integer = value.integer, integer >= min else {
            throw .badRequest("'\(name)' must be an integer of at least \(min)")
        }
        return integer
    }

    private static func number(_ value: JSONValue?, _ name: String, range: ClosedRange<Double>) throws(OpenAIError) -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.number, range.contains(number) else {
            throw .badRequest("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func boolean(_ value: JSONValue?, _ name: String) throws(OpenAIError) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let flag = value.bool else { throw .badRequest("'\(name)' must be true or false") }
        return flag
    }
}
