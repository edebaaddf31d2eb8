import Switchboard
import SwitchboardJSON

/// A `POST /v1/chat/completions` body: the route it names, whether it streams, and the request, which
/// keeps the body itself so that OpenAI-compatible targets receive it as the client wrote it. Fields the
/// gateway reads are checked, so that a bad request says exactly what is wrong.
struct ChatCompletionBody: Sendable {
    var model: String
    var request: ChatRequest
    var stream: Bool
    /// Whether the client asked for the usage chunk (`stream_options.include_usage`).
    var includeUsage: Bool

    static func parse(_ bytes: [UInt8]) throws(OpenAIError) -> ChatCompletionBody {
        guard !bytes.isEmpty else { throw .badRequest("the request body is empty: send a JSON chat completion request") }
        guard let document = try? JSONObjectBytes(bytes) else {
            throw .badRequest("the request body is not a JSON object")
        }
        guard let model = document["model"]?.string, !model.isEmpty else {
            throw .badRequest("'model' is required: name a route or a model id (GET /v1/models lists them)", code: "missing_model")
        }
        let request: ChatRequest
        do {
            request = try ChatRequest(openAI: document)
        } catch {
            throw .badRequest(error.message, code: error.code)
        }
        let stream: Bool
        switch document["stream"] {
        case nil, .null: stream = false
        case .bool(let flag): stream = flag
        default: throw .badRequest("'stream' must be true or false")
        }
        let includeUsage = document["stream_options"]?["include_usage"]?.bool ?? false
        return ChatCompletionBody(model: model, request: request, stream: stream, includeUsage: includeUsage)
    }
}
