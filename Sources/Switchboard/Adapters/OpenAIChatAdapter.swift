import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardConfig

/// Any OpenAI-compatible `POST {base_url}/chat/completions`: OpenAI, the Hugging Face router
/// (`model: org/name:provider`), Bytez, llama.cpp and vLLM servers. Streams with SSE.
public struct OpenAIChatAdapter: ProviderAdapter {
    public static let declaration = AdapterDeclaration.openAIChat

    private let url: String
    private let provider: Provider
    private let authHeader: String
    private let authScheme: String
    private let streamUsage: Bool
    private let http: UpstreamHTTP

    public init(provider: Provider, environment: AdapterEnvironment) throws {
        guard let baseURL = provider.baseURL else {
            throw SwitchboardError(.configuration, "provider '\(provider.name)' has no base_url")
        }
        self.provider = provider
        self.url = UpstreamHTTP.join(baseURL, provider.options["chat_path"]?.string ?? "/chat/completions")
        self.authHeader = provider.options["auth_header"]?.string ?? "Authorization"
        self.authScheme = provider.options["auth_scheme"]?.string ?? "Bearer"
        self.streamUsage = provider.options["stream_usage"]?.boolean ?? true
        self.http = UpstreamHTTP(client: environment.httpClient, maxResponseBytes: environment.maxResponseBytes)
    }

    public func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput {
        let response = try await http.post(url, headers: headers(call), body: try body(call, stream: false), deadline: call.deadline)
        let buffer = try await http.readBody(response, deadline: call.deadline)
        let decoded: Completion
        do {
            decoded = try JSONDecoder().decode(Completion.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .malformed("the answer is not an OpenAI chat completion")
        }
        guard let choice = decoded.choices.first else { throw .malformed("the answer has no choices") }
        return AdapterOutput(
            text: choice.message?.content ?? "", finishReason: FinishReason(upstream: choice.finishReason),
            usage: decoded.usage?.usage, model: decoded.model)
    }

    public func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let response = try await http.post(url, headers: headers(call), body: try body(call, stream: true), deadline: call.deadline)
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if !contentType.contains("text/event-stream") {
            // Some servers ignore `stream: true` and answer with one JSON completion.
            let buffer = try await http.readBody(response, deadline: call.deadline)
            guard let decoded = try? JSONDecoder().decode(Completion.self, from: Data(buffer.readableBytesView)),
                let choice = decoded.choices.first
            else { throw .malformed("the streamed answer is neither SSE nor a chat completion") }
            return AsyncThrowingStream { continuation in
                continuation.yield(ChatChunk(
                    delta: choice.message?.content ?? "", finishReason: FinishReason(upstream: choice.finishReason),
                    usage: decoded.usage?.usage))
                continuation.finish()
            }
        }
        let body = response.body
        let limit = http.maxResponseBytes
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await Self.relay(body, limit: limit, to: continuation)
                } catch {
                    continuation.finish(throwing: UpstreamHTTP.failure(for: error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads SSE events until `[DONE]`. A stream that ends without `[DONE]` or a finish reason, or whose
    /// events are not chunks, is an error: never a silent clean finish.
    private static func relay(
        _ body: HTTPClientResponse.Body, limit: Int, to continuation: AsyncThrowingStream<ChatChunk, any Error>.Continuation
    ) async throws {
        var parser = SSEParser()
        var received = 0
        var finished = false
        let decoder = JSONDecoder()
        for try await buffer in body {
            received += buffer.readableBytes
            if received > limit { throw UpstreamFailure.malformed("the stream is larger than \(limit) bytes") }
            for event in parser.feed(buffer.readableBytesView) {
                if event == "[DONE]" {
                    continuation.finish()
                    return
                }
                guard let chunk = try? decoder.decode(StreamChunk.self, from: Data(event.utf8)) else {
                    throw UpstreamFailure.malformed("a streamed event is not a chat.completion.chunk")
                }
                let choice = chunk.choices.first
                let finish = choice?.finishReason.map { FinishReason(upstream: $0) }
                if finish != nil { finished = true }
                let delta = choice?.delta?.content ?? ""
                if !delta.isEmpty || finish != nil || chunk.usage != nil {
                    continuation.yield(ChatChunk(delta: delta, finishReason: finish, usage: chunk.usage?.usage))
                }
            }
        }
        // Servers that end with a finish reason but no [DONE] (some local ones) still finished cleanly.
        if finished && !parser.hasPartialEvent {
            continuation.finish()
        } else {
            throw UpstreamFailure.transport(.connectionReset, "the stream ended before [DONE]")
        }
    }

    // MARK: - Request

    private func headers(_ call: AdapterCall) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json, text/event-stream")
        for header in provider.headers { headers.replaceOrAdd(name: header.name, value: header.value) }
        if let key = call.key {
            headers.replaceOrAdd(name: authHeader, value: authScheme.isEmpty ? key.value : "\(authScheme) \(key.value)")
        }
        return headers
    }

    private func body(_ call: AdapterCall, stream: Bool) throws(UpstreamFailure) -> Data {
        let request = call.request
        let body = RequestBody(
            model: call.target.model ?? "",
            messages: request.messages,
            maxTokens: request.maxTokens,
            temperature: request.temperature,
            topP: request.topP,
            stop: request.stop.isEmpty ? nil : request.stop,
            stream: stream,
            streamOptions: stream && streamUsage ? StreamOptions(includeUsage: true) : nil)
        do {
            return try JSONEncoder().encode(body)
        } catch {
            throw .malformed("the request could not be encoded")
        }
    }

    private struct RequestBody: Encodable {
        var model: String
        var messages: [ChatMessage]
        var maxTokens: Int?
        var temperature: Double?
        var topP: Double?
        var stop: [String]?
        var stream: Bool
        var streamOptions: StreamOptions?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stop, stream
            case maxTokens = "max_tokens"
            case topP = "top_p"
            case streamOptions = "stream_options"
        }
    }

    private struct StreamOptions: Encodable {
        var includeUsage: Bool
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    // MARK: - Response

    private struct Completion: Decodable {
        var model: String?
        var choices: [Choice]
        var usage: UsageBody?

        struct Choice: Decodable {
            var message: Message?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }

        struct Message: Decodable {
            var content: String?
        }
    }

    private struct StreamChunk: Decodable {
        var choices: [Choice]
        var usage: UsageBody?

        struct Choice: Decodable {
            var delta: Delta?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }

        struct Delta: Decodable {
            var content: String?
        }
    }

    private struct UsageBody: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?
        var totalTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }

        var usage: Usage? {
            guard let promptTokens, let completionTokens else { return nil }
            return Usage(promptTokens: promptTokens, completionTokens: completionTokens, totalTokens: totalTokens)
        }
    }
}
