import Foundation
import Switchboard

/// A `POST /v1/chat/completions` body, checked field by field so that a bad request says exactly what
/// is wrong. Fields Switchboard does not use are tolerated.
struct ChatCompletionBody: Sendable {
    var model: String
    var request: ChatRequest
    var stream: Bool
    var includeUsage: Bool

    static func parse(_ data: Data) throws(OpenAIError) -> ChatCompletionBody {
        guard !data.isEmpty else { throw .badRequest("the request body is empty: send a JSON chat completion request") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .badRequest("the request body is not a JSON object")
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            throw .badRequest("'model' is required: name a route or a model id (GET /v1/models lists them)", code: "missing_model")
        }
        guard let rawMessages = object["messages"] as? [Any], !rawMessages.isEmpty else {
            throw .badRequest("'messages' is required and must be a non-empty array")
        }
        var messages: [ChatMessage] = []
        for (index, raw) in rawMessages.enumerated() {
            guard let message = raw as? [String: Any], let role = message["role"] as? String else {
                throw .badRequest("messages[\(index)] must be an object with a 'role'")
            }
            messages.append(ChatMessage(role: role, content: try content(message["content"], at: index)))
        }
        var request = ChatRequest(messages: messages)
        request.maxTokens = try integer(object["max_completion_tokens"] ?? object["max_tokens"], "max_tokens", min: 1)
        request.temperature = try number(object["temperature"], "temperature", range: 0...2)
        request.topP = try number(object["top_p"], "top_p", range: 0...1)
        switch object["stop"] {
        case nil, is NSNull: break
        case let stop as String: request.stop = [stop]
        case let stops as [Any]:
            guard let strings = stops as? [String], strings.count <= 4 else {
                throw .badRequest("'stop' must be a string or an array of at most 4 strings")
            }
            request.stop = strings
        default: throw .badRequest("'stop' must be a string or an array of strings")
        }
        if let n = try integer(object["n"], "n", min: 1), n != 1 {
            throw .badRequest("'n' must be 1: Switchboard returns one choice", code: "unsupported_parameter")
        }
        // OpenAI's `metadata` (string values) doubles as template variables, e.g. {"topic": "Swift"}.
        if let metadata = object["metadata"] as? [String: Any] {
            for (name, value) in metadata { if let text = value as? String { request.variables[name] = text } }
        }
        let stream = try boolean(object["stream"], "stream") ?? false
        let includeUsage = ((object["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false
        return ChatCompletionBody(model: model, request: request, stream: stream, includeUsage: includeUsage)
    }

    /// A string, or an array of content parts of which the text parts are joined.
    private static func content(_ value: Any?, at index: Int) throws(OpenAIError) -> String {
        switch value {
        case let text as String: return text
        case nil, is NSNull: return ""
        case let parts as [Any]:
            var texts: [String] = []
            for part in parts {
                guard let part = part as? [String: Any] else {
                    throw .badRequest("messages[\(index)].content parts must be objects")
                }
                if part["type"] as? String == "text", let text = part["text"] as? String { texts.append(text) }
            }
            return texts.joined(separator: "\n")
        default:
            throw .badRequest("messages[\(index)].content must be a string or an array of content parts")
        }
    }

    private static func integer(_ value: Any?, _ name: String, min: Int) throws(OpenAIError) -> Int? {
        guard let value, !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !isBoolean(number), number.doubleValue == number.doubleValue.rounded(),
            let integer = Int(exactly: number.doubleValue), integer >= min
        else { throw .badRequest("'\(name)' must be an integer of at least \(min)") }
        return integer
    }

    private static func number(_ value: Any?, _ name: String, range: ClosedRange<Double>) throws(OpenAIError) -> Double? {
        guard let value, !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, !isBoolean(number), range.contains(number.doubleValue) else {
            throw .badRequest("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.doubleValue
    }

    private static func boolean(_ value: Any?, _ name: String) throws(OpenAIError) -> Bool? {
        guard let value, !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, isBoolean(number) else { throw .badRequest("'\(name)' must be true or false") }
        return number.boolValue
    }

    /// JSONSerialization gives booleans as NSNumber too; tell them apart from numbers.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
