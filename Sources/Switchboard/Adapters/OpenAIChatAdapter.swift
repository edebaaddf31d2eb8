import NIOCore
import NIOHTTP1
import SwitchboardConfig
import SwitchboardJSON

/// Any OpenAI-compatible `POST {base_url}/chat/completions`: OpenAI, the Hugging Face router
/// (`model: org/name:provider`), Bytez, llama.cpp and vLLM servers. Streams with SSE.
public struct OpenAIChatAdapter: ProviderAdapter {
    public static let declaration = AdapterDeclaration.openAIChat

    /// The chat endpoint, parsed once; nil when base_url and chat_path do not make an http(s) URL (each
    /// call then fails as a refused connection).
    private let url: UpstreamURL?
    private let provider: Provider
    private let authHeader: String
    private let authScheme: String
    private let streamUsage: Bool
    private let modelsURL: String
    private let http: UpstreamHTTP

    public init(provider: Provider, environment: AdapterEnvironment) throws {
        guard let baseURL = provider.baseURL else {
            throw SwitchboardError(.configuration, "provider '\(provider.name)' has no base_url")
        }
        self.provider = provider
        self.url = UpstreamURL(UpstreamHTTP.join(baseURL, provider.options["chat_path"]?.string ?? "/chat/completions"))
        self.authHeader = provider.options["auth_header"]?.string ?? "Authorization"
        self.authScheme = provider.options["auth_scheme"]?.string ?? "Bearer"
        self.streamUsage = provider.options["stream_usage"]?.boolean ?? true
        self.modelsURL = UpstreamHTTP.join(baseURL, provider.options["models_path"]?.string ?? "/models")
        self.http = UpstreamHTTP(
            client: environment.upstreamClient, maxResponseBytes: environment.maxResponseBytes,
            connectTimeout: provider.timeouts.connect)
    }

    public func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput {
        let response = try await http.post(url, headers: headers(call), body: body(call, stream: false), deadline: call.deadline)
        return try Self.output(Array(buffer: response.body))
    }

    public func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let (chunks, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let (outcome, stop) = try await http.stream(
            url, headers: headers(call), body: body(call, stream: true), deadline: call.deadline, into: .stream(continuation))
        continuation.onTermination = { termination in
            if case .cancelled = termination { stop() }
        }
        if case .whole(let buffer) = outcome {
            continuation.yield(try Self.wholeChunk(buffer))
            continuation.finish()
        }
        return chunks
    }

    /// A chunk holding the whole answer of a server that ignored `stream: true` and answered with one JSON
    /// completion.
    private static func wholeChunk(_ buffer: ByteBuffer) throws(UpstreamFailure) -> ChatChunk {
        let output: AdapterOutput
        do {
            output = try Self.output(Array(buffer: buffer))
        } catch {
            throw .malformed("the streamed answer is neither SSE nor a chat completion")
        }
        return ChatChunk(choices: output.choices.map(ChoiceDelta.init(whole:)), usage: output.usage)
    }

    // MARK: - Probe

    /// One `GET {base_url}/models` with the key: its status judges the key (OpenAI, the Hugging Face
    /// router, vLLM and llama.cpp all list models, and a list costs no tokens), and the list says
    /// whether each target's model is offered.
    public func probe(_ call: ProbeCall) async -> ProbeOutcome {
        let answer: (status: Int, headers: HTTPHeaders, body: [UInt8])
        do {
            answer = try await http.get(UpstreamURL(modelsURL), headers: headers(key: call.key, accept: "application/json"), deadline: call.deadline)
        } catch {
            return ProbeOutcome(key: .unreachable(error.message))
        }
        guard let verdict = UpstreamHTTP.keyVerdict(status: answer.status, headers: answer.headers) else {
            return ProbeOutcome(key: .unexpected("HTTP \(answer.status) from GET \(modelsPathForMessages)"))
        }
        guard verdict == .valid else { return ProbeOutcome(key: verdict) }
        guard let listed = ModelList(answer.body) else {
            return ProbeOutcome(key: .valid, models: Dictionary(uniqueKeysWithValues: call.models.map {
                ($0, .unknown("the models list is not OpenAI's shape"))
            }))
        }
        return ProbeOutcome(key: .valid, models: Dictionary(uniqueKeysWithValues: call.models.map { ($0, listed.verdict(for: $0)) }))
    }

    private var modelsPathForMessages: String { provider.options["models_path"]?.string ?? "/models" }

    // MARK: - Request

    private func headers(_ call: AdapterCall) -> HTTPHeaders {
        var headers = headers(key: call.key, accept: "application/json, text/event-stream")
        headers.add(name: "content-type", value: "application/json")
        return headers
    }

    private func headers(key: ResolvedKey?, accept: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "accept", value: accept)
        for header in provider.headers { headers.replaceOrAdd(name: header.name, value: header.value) }
        if let key {
            headers.replaceOrAdd(name: authHeader, value: authScheme.isEmpty ? key.value : "\(authScheme) \(key.value)")
        }
        return headers
    }

    /// The client's request as this target gets it: the client's body with only `model`, `stream`,
    /// `stream_options` and the target's `max_tokens` cap and sampling defaults changed; every other
    /// member is copied byte for byte. A request built in Swift is written from its typed fields.
    func body(_ call: AdapterCall, stream: Bool) -> [UInt8] {
        let request = call.request
        let model = JSONValue.string(call.target.model ?? "")
        guard let body = request.body else {
            return request.writeOpenAIBody(
                model: call.target.model ?? "", stream: stream,
                streamOptions: stream && streamUsage ? .object(JSONObject([.init(key: "include_usage", value: .bool(true))])) : nil)
        }
        var edits: [String: JSONObjectBytes.Edit] = ["model": .set(model), "stream": .set(.bool(stream))]
        // Only the target's own cap: the client's limits are already in its body (a client may send both
        // `max_tokens` and `max_completion_tokens`, and neither lowers the other).
        if let cap = call.target.maxTokens {
            let given = ["max_tokens", "max_completion_tokens"].filter { body[$0].map { !$0.isNull } ?? false }
            for name in given where (body[name]?.number ?? .infinity) > Double(cap) { edits[name] = .set(.number(Double(cap))) }
            if given.isEmpty { edits["max_tokens"] = .set(.number(Double(cap))) }
        }
        if let temperature = request.temperature, body["temperature"]?.isNull ?? true {
            edits["temperature"] = .set(.number(temperature))
        }
        if let topP = request.topP, body["top_p"]?.isNull ?? true { edits["top_p"] = .set(.number(topP)) }
        if !stream {
            edits["stream_options"] = .remove
        } else if streamUsage {
            var options = body["stream_options"]?.object ?? JSONObject()
            options.members.removeAll { $0.key == "include_usage" }
            options.members.append(JSONObject.Member(key: "include_usage", value: .bool(true)))
            edits["stream_options"] = .set(.object(options))
        }
        return body.writing(edits, order: Self.addedMembers)
    }

    /// Where members the client left out are added, in this order, at the end of the body.
    private static let addedMembers = ["model", "max_tokens", "temperature", "top_p", "stream", "stream_options"]

    // MARK: - Response

    /// A `chat.completion`, kept whole for relaying and read for the engine (every choice, usage).
    static func output(_ bytes: [UInt8]) throws(UpstreamFailure) -> AdapterOutput {
        guard let document = try? JSONObjectBytes(bytes), let choices = document["choices"]?.array else {
            throw .malformed("the answer is not an OpenAI chat completion")
        }
        guard !choices.isEmpty else { throw .malformed("the answer has no choices") }
        return AdapterOutput(
            choices: choices.enumerated().compactMap { ChatChoice(openAI: $1, position: $0) },
            usage: Usage(openAI: document["usage"]), model: document["model"]?.string, body: bytes)
    }
}

extension OpenAIChatAdapter: ChunkPushingAdapter {
    /// The stream's chunks go to `sink` from the connection's event loop as each upstream read arrives.
    package func push(_ call: AdapterCall, into sink: ChunkSink) async throws(UpstreamFailure) -> @Sendable () -> Void {
        let (outcome, stop) = try await http.stream(
            url, headers: headers(call), body: body(call, stream: true), deadline: call.deadline, into: .sink(sink))
        if case .whole(let buffer) = outcome {
            sink.yield(try Self.wholeChunk(buffer))
            sink.finish()
        }
        return stop
    }
}

/// Every call goes through `UpstreamHTTP`, whose client fails it at the call's deadline.
extension OpenAIChatAdapter: DeadlineKeepingAdapter {}
