import Foundation
import Switchboard
import SwitchboardJSON

/// OpenAI's `chat.completion` and `chat.completion.chunk` shapes for answers the gateway composes itself
/// (adapters that are not OpenAI-compatible, cache hits), written straight to bytes. Answers from
/// OpenAI-compatible targets are relayed as the upstream sent them and never pass through here.
enum ChatCompletionResponse {
    /// A whole answer: `{"id", "object": "chat.completion", "created", "model", "choices": [{"index",
    /// "message", "finish_reason"}], "usage"?}`.
    static func completion(id: String, created: Int, model: String, choices: [ChatChoice], usage: Usage?) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 192 + choices.reduce(0) { $0 + $1.message.content.utf8.count })
        json.object { json in
            header(&json, id: id, object: "chat.completion", created: created, model: model)
            json.key("choices")
            json.array { json in
                for choice in choices {
                    json.object { json in
                        json.member("index", choice.index)
                        json.key("message")
                        message(choice.message, to: &json)
                        if let logprobs = choice.logprobs {
                            json.key("logprobs")
                            json.value(logprobs)
                        }
                        json.member("finish_reason", choice.finishReason.rawValue)
                    }
                }
            }
            if let usage { write(usage, to: &json) }
        }
        return json.bytes
    }

    /// An assistant message: `content` is null when the message only calls tools or refuses.
    private static func message(_ message: ChatMessage, to json: inout JSONWriter) {
        json.object { json in
            json.member("role", "assistant")
            json.key("content")
            if message.content.isEmpty && (!message.toolCalls.isEmpty || message.refusal != nil) {
                json.null()
            } else {
                json.string(message.content)
            }
            if let refusal = message.refusal { json.member("refusal", refusal) }
            if !message.toolCalls.isEmpty {
                json.key("tool_calls")
                json.array { json in
                    for call in message.toolCalls {
                        json.object { json in
                            json.member("id", call.id)
                            json.member("type", call.type)
                            json.key("function")
                            json.object { json in
                                json.member("name", call.name)
                                json.member("arguments", call.arguments)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One streamed chunk. `finish_reason` is null until a choice's last chunk; OpenAI always sends the key.
    /// `role` is set on the first chunk of the stream.
    static func chunk(id: String, created: Int, model: String, choices: [ChoiceDelta], first: Bool) -> [UInt8] {
        var json = JSONWriter(reservingCapacity: 160 + choices.reduce(0) { $0 + ($1.content?.utf8.count ?? 0) })
        json.object { json in
            header(&json, id: id, object: "chat.completion.chunk", created: created, model: model)
            json.key("choices")
            json.array { json in
                for choice in choices {
                    json.object { json in
                        json.member("index", choice.index)
                        json.key("delta")
                        json.object { json in
                            json.member("role", ifPresent: first ? "assistant" : choice.role)
                            json.member("content", ifPresent: choice.content)
                            json.member("refusal", ifPresent: choice.refusal)
                            if !choice.toolCalls.isEmpty {
                                json.key("tool_calls")
                                json.array { json in
                                    for call in choice.toolCalls {
                                        json.object { json in
                                            json.member("index", call.index)
                                            json.member("id", ifPresent: call.id)
                                            json.member("type", ifPresent: call.type)
                                            json.key("function")
                                            json.object { json in
                                                json.member("name", ifPresent: call.name)
                                                json.member("arguments", ifPresent: call.arguments)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        json.member("finish_reason", orNull: choice.finishReason?.rawValue)
                    }
                }
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

    private static func write(_ usage: Usage, to json: inout JSONWriter) {
        json.key("usage")
        json.object { json in
            json.member("prompt_tokens", usage.promptTokens)
            json.member("completion_tokens", usage.completionTokens)
            json.member("total_tokens", usage.totalTokens)
        }
    }

    /// A relayed upstream answer given out again from the cache: the same answer under a new `id`, so
    /// that no two answers the gateway gives share one.
    static func replay(_ body: [UInt8], id: String) -> [UInt8] {
        guard let document = try? JSONObjectBytes(body) else { return body }
        return document.writing(["id": .set(.string(id))], order: ["id"])
    }

    /// A relayed streamed event as the client gets it: as the upstream sent it, except that a client that
    /// did not ask for usage gets no `usage` member, and no usage-only chunk at all (nil).
    static func relayed(_ chunk: ChatChunk, includeUsage: Bool) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard let event = chunk.event else { return nil }
        guard !includeUsage, let cut = chunk.usageMember else { return (event[...], []) }
        if !chunk.hasChoices { return nil }
        return (event[..<cut.lowerBound], event[cut.upperBound...])
    }

    /// The data of the event that ends a stream.
    static let done = Array("[DONE]".utf8)

    static func newID() -> String { Identifiers.completionID() }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
