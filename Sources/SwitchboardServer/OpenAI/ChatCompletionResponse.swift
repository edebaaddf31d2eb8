import Foundation
import Switchboard
import SwitchboardJSON

/// OpenAI's `chat.completion` and `chat.completion.chunk` shapes, written straight to bytes (with
/// `JSONEncoder` they cost more than the rest of the gateway's work on a request).
enum ChatCompletionResponse {
    /// A whole answer: `{"id", "object": "chat.completion", "created", "model", "choices": [{"index",
    /// "message": {"role", "content"}, "finish_reason"}], "usage"?}`.
    static func completion(
        id: String, created: Int, model: String, content: String, finishReason: String, usage: Usage?
    ) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 192 + content.utf8.count)
        json.object { json in
            header(&json, id: id, object: "chat.completion", created: created, model: model)
            oneChoice(&json) { json in
                json.key("message")
                json.object { json in
                    json.member("role", "assistant")
                    json.member("content", content)
                }
                json.member("finish_reason", finishReason)
            }
            if let usage { write(usage, to: &json) }
        }
        return json.bytes
    }

    /// One streamed delta. `finish_reason` is null until the last chunk; OpenAI always sends the key.
    static func chunk(
        id: String, created: Int, model: String, role: String?, content: String?, finishReason: String?
    ) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 160 + (content?.utf8.count ?? 0))
        json.object { json in
            header(&json, id: id, object: "chat.completion.chunk", created: created, model: model)
            oneChoice(&json) { json in
                json.key("delta")
                json.object { json in
                    json.member("role", ifPresent: role)
                    json.member("content", ifPresent: content)
                }
                json.member("finish_reason", orNull: finishReason)
            }
        }
        return json.bytes
    }

    /// The last chunk of a stream whose client asked for `stream_options.include_usage`: no choices,
    /// only the usage.
    static func usageChunk(id: String, created: Int, model: String, usage: Usage) -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            header(&json, id: id, object: "chat.completion.chunk", created: created, model: model)
            json.key("choices")
            json.array { _ in }
            write(usage, to: &json)
        }
        return json.bytes
    }

    private static func header(_ json: inout JSONWriter, id: String, object: String, created: Int, model: String) {
        json.member("id", id)
        json.member("object", object)
        json.member("created", created)
        json.member("model", model)
    }

    /// `"choices": [{"index": 0, …}]`: Switchboard always answers with one choice.
    private static func oneChoice(_ json: inout JSONWriter, _ body: (inout JSONWriter) -> Void) {
        json.key("choices")
        json.array { json in
            json.object { json in
                json.member("index", 0)
                body(&json)
            }
        }
    }

    private static func write(_ usage: Usage, to json: inout JSONWriter) {
        json.key("usage")
        json.object { json in
            json.member("prompt_tokens", usage.promptTokens)
            json.member("completion_tokens", usage.completionTokens)
            json.member("total_tokens", usage.totalTokens)
        }
    }

    static func newID() -> String { Identifiers.completionID() }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
