import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import SwitchboardConfig
import SwitchboardJSON

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
        let response = try await http.post(url, headers: headers(call), body: body(call, stream: false), deadline: call.deadline)
        let buffer = try await http.readBody(response, deadline: call.deadline)
        guard let decoded = Completion(buffer) else { throw .malformed("the answer is not an OpenAI chat completion") }
        guard let choice = decoded.choice else { throw .malformed("the answer has no choices") }
        return AdapterOutput(
            text: choice.content, finishReason: FinishReason(upstream: choice.finishReason), usage: decoded.usage,
            model: decoded.model)
    }

    public func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let response = try await http.post(url, headers: headers(call), body: body(call, stream: true), deadline: call.deadline)
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if !contentType.contains("text/event-stream") {
            // Some servers ignore `stream: true` and answer with one JSON completion.
            let buffer = try await http.readBody(response, deadline: call.deadline)
            guard let decoded = Completion(buffer), let choice = decoded.choice else {
                throw .malformed("the streamed answer is neither SSE nor a chat completion")
            }
            return AsyncThrowingStream { continuation in
                continuation.yield(ChatChunk(
                    delta: choice.content, finishReason: FinishReason(upstream: choice.finishReason),
                    usage: decoded.usage))
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
        for try await buffer in body {
            received += buffer.readableBytes
            if received > limit { throw UpstreamFailure.malformed("the stream is larger than \(limit) bytes") }
            for event in parser.feed(buffer.readableBytesView) {
                if event == "[DONE]" {
                    continuation.finish()
                    return
                }
                guard let chunk = StreamChunk(event) else {
                    throw UpstreamFailure.malformed("a streamed event is not a chat.completion.chunk")
                }
                let finish = chunk.finishReason.map { FinishReason(upstream: $0) }
                if finish != nil { finished = true }
                if !chunk.delta.isEmpty || finish != nil || chunk.usage != nil {
                    continuation.yield(ChatChunk(delta: chunk.delta, finishReason: finish, usage: chunk.usage))
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

    /// OpenAI's request shape with the target's model id; sampling fields only when the client set them.
    private func body(_ call: AdapterCall, stream: Bool) -> [UInt8] {
        let request = call.request
        var json = JSONWriter(reservingCapacity: 128 + request.messages.reduce(0) { $0 + $1.content.utf8.count + 32 })
        json.object { json in
            json.member("model", call.target.model ?? "")
            json.key("messages")
            json.array { json in
                for message in request.messages {
                    json.object { json in
                        json.member("role", message.role)
                        json.member("content", message.content)
                    }
                }
            }
            json.member("max_tokens", ifPresent: request.maxTokens)
            json.member("temperature", ifPresent: request.temperature)
            json.member("top_p", ifPresent: request.topP)
            json.member("stop", ifNotEmpty: request.stop)
            json.member("stream", stream)
            if stream && streamUsage {
                json.key("stream_options")
                json.object { json in json.member("include_usage", true) }
            }
        }
        return json.bytes
    }

    // MARK: - Response

    /// The fields of a `chat.completion` the gateway uses; nil when the body is not one.
    private struct Completion {
        struct Choice {
            var content: String
            var finishReason: String?
        }

        var model: String?
        var choice: Choice?
        var usage: Usage?

        init?(_ buffer: ByteBuffer) {
            guard let document = buffer.withUnsafeReadableBytes({ try? JSONParser.parse($0) }),
                let object = document.object, let choices = object["choices"]?.array
            else { return nil }
            model = object["model"]?.string
            choice = choices.first.map { Choice(content: $0["message"]?["content"]?.string ?? "", finishReason: $0["finish_reason"]?.string) }
            usage = OpenAIChatAdapter.usage(object["usage"])
        }
    }

    /// The fields of a `chat.completion.chunk` the gateway uses; nil when the event is not one.
    private struct StreamChunk {
        var delta: String
        var finishReason: String?
        var usage: Usage?

        init?(_ event: String) {
            guard let object = (try? JSONParser.parse(event))?.object, let choices = object["choices"]?.array else { return nil }
            let choice = choices.first
            delta = choice?["delta"]?["content"]?.string ?? ""
            finishReason = choice?["finish_reason"]?.string
            usage = OpenAIChatAdapter.usage(object["usage"])
        }
    }

    /// `usage` when it has both token counts.
    private static func usage(_ value: JSONValue?) -> Usage? {
        guard let value, let prompt = value["prompt_tokens"]?.integer, let completion = value["completion_tokens"]?.integer
        else { return nil }
        return Usage(promptTokens: prompt, completionTokens: completion, totalTokens: value["total_tokens"]?.integer)
    }
}
