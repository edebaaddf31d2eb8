import Foundation
import Switchboard

/// OpenAI's `chat.completion` and `chat.completion.chunk` shapes.
enum ChatCompletionResponse {
    struct Completion: Encodable {
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: UsageBody?

        struct Choice: Encodable {
            var index = 0
            var message: Message
            var finishReason: String

            enum CodingKeys: String, CodingKey {
                case index, message
                case finishReason = "finish_reason"
            }
        }

        struct Message: Encodable {
            var role = "assistant"
            var content: String
        }
    }

    struct Chunk: Encodable {
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: UsageBody?

        struct Choice: Encodable {
            var index = 0
            var delta: Delta
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case index, delta
                case finishReason = "finish_reason"
            }

            // `finish_reason` is null until the last chunk; OpenAI always sends the key.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(index, forKey: .index)
                try container.encode(delta, forKey: .delta)
                try container.encode(finishReason, forKey: .finishReason)
            }
        }

        struct Delta: Encodable {
            var role: String?
            var content: String?
        }
    }

    struct UsageBody: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int

        init(_ usage: Usage) {
            promptTokens = usage.promptTokens
            completionTokens = usage.completionTokens
            totalTokens = usage.totalTokens
        }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }
    }

    static func newID() -> String { "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
