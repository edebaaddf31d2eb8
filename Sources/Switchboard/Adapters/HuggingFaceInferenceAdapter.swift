import NIOCore
import NIOHTTP1
import SwitchboardConfig
import SwitchboardJSON

/// The Hugging Face serverless task API: `POST {base_url}/{model}` with `{"inputs", "parameters"}`.
///
/// Chat messages are flattened into one prompt (see `prompt(for:task:)`). Text generation answers
/// `[{"generated_text": …}]`, summarization `[{"summary_text": …}]`. While a cold model loads the API
/// answers 503 with `{"error": "… is currently loading", "estimated_time": N}`; the estimate becomes the
/// failure's `estimatedRecovery`, which lengthens the key's cooldown. Streaming is emulated: the answer
/// arrives as one chunk.
public struct HuggingFaceInferenceAdapter: ProviderAdapter {
    public static let declaration = AdapterDeclaration.huggingFaceInference

    public enum Task: String, Sendable {
        case textGeneration = "text-generation"
        case summarization
    }

    private let baseURL: String
    private let provider: Provider
    private let authScheme: String
    private let waitForModel: Bool
    private let useCache: Bool
    private let hubURL: String
    private let http: UpstreamHTTP

    public init(provider: Provider, environment: AdapterEnvironment) throws {
        guard let baseURL = provider.baseURL else {
            throw SwitchboardError(.configuration, "provider '\(provider.name)' has no base_url")
        }
        self.baseURL = baseURL
        self.provider = provider
        self.authScheme = provider.options["auth_scheme"]?.string ?? "Bearer"
        self.waitForModel = provider.options["wait_for_model"]?.boolean ?? false
        self.useCache = provider.options["use_cache"]?.boolean ?? true
        self.hubURL = provider.options["hub_url"]?.string ?? "https://huggingface.co"
        self.http = UpstreamHTTP(
            client: environment.upstreamClient, maxResponseBytes: environment.maxResponseBytes,
            connectTimeout: provider.timeouts.connect)
    }

    public func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput {
        let task = Task(rawValue: call.target.parameters["task"]?.string ?? "") ?? .textGeneration
        let url = UpstreamHTTP.join(baseURL, call.target.model ?? "")
        let response: WholeResponseReader.Answer
        do {
            response = try await http.post(UpstreamURL(url), headers: headers(call), body: body(call, task: task), deadline: call.deadline)
        } catch let failure {
            throw Self.withLoadEstimate(failure)
        }
        let text = try Self.text(in: response.body.withUnsafeReadableBytes { try? JSONParser.parse($0) }, task: task)
        // The task API reports no finish reason; a capped answer is indistinguishable from a finished one.
        return AdapterOutput(text: text, finishReason: .stop, usage: nil, model: call.target.model)
    }

    public func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let output = try await complete(call)
        return AsyncThrowingStream { continuation in
            continuation.yield(ChatChunk(delta: output.text, finishReason: output.finishReason, usage: output.usage))
            continuation.finish()
        }
    }

    // MARK: - Probe

    /// The task API has no free call of its own, so the Hub answers: `GET /api/whoami-v2` judges the
    /// token, and `GET /api/models/{id}?expand[]=inference&expand[]=inferenceProviderMapping` says whether
    /// the model is deployed on hf-inference (`inference: "warm"` when it is loaded). No inference is run.
    public func probe(_ call: ProbeCall) async -> ProbeOutcome {
        let headers = probeHeaders(key: call.key)
        let keyVerdict: ProbeOutcome.KeyVerdict
        if call.key == nil {
            keyVerdict = .notChecked("no key")
        } else {
            do {
                let answer = try await http.get(UpstreamURL(UpstreamHTTP.join(hubURL, "/api/whoami-v2")), headers: headers, deadline: call.deadline)
                keyVerdict = UpstreamHTTP.keyVerdict(status: answer.status, headers: answer.headers)
                    ?? .unexpected("HTTP \(answer.status) from the Hub's whoami")
            } catch {
                return ProbeOutcome(key: .unreachable(error.message))
            }
            guard keyVerdict == .valid else { return ProbeOutcome(key: keyVerdict) }
        }
        var models: [String: ProbeOutcome.ModelVerdict] = [:]
        for model in call.models { models[model] = await modelVerdict(model, headers: headers, deadline: call.deadline) }
        return ProbeOutcome(key: keyVerdict, models: models)
    }

    private func modelVerdict(_ model: String, headers: HTTPHeaders, deadline: ContinuousClock.Instant) async
        -> ProbeOutcome.ModelVerdict
    {
        let url = UpstreamHTTP.join(hubURL, "/api/models/\(model)") + "?expand[]=inference&expand[]=inferenceProviderMapping"
        let answer: (status: Int, headers: HTTPHeaders, body: [UInt8])
        do {
            answer = try await http.get(UpstreamURL(url), headers: headers, deadline: deadline)
        } catch {
            return .unknown(error.message)
        }
        if answer.status == 404 { return .notFound("no such model on the Hub") }
        guard (200..<300).contains(answer.status), let info = try? JSONObjectBytes(answer.body) else {
            return .unknown("HTTP \(answer.status) from the Hub's model info")
        }
        if info["inference"]?.string == "warm" { return .available }
        // The mapping is an object keyed by provider, or (older answers) a list of {provider, …}.
        let mapping = info["inferenceProviderMapping"]
        let providers = mapping?.object?.members.map(\.key)
            ?? mapping?.array?.compactMap { $0.object?["provider"]?.string } ?? []
        if providers.contains("hf-inference") { return .loading(estimate: nil) }
        return .notFound("not deployed on hf-inference")
    }

    private func probeHeaders(key: ResolvedKey?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "accept", value: "application/json")
        if let key {
            headers.replaceOrAdd(name: "authorization", value: authScheme.isEmpty ? key.value : "\(authScheme) \(key.value)")
        }
        return headers
    }

    // MARK: - Prompt

    /// How a conversation becomes `inputs`. Summarization gets the last user message alone. Text
    /// generation gets a lone user message as it is; otherwise system messages first, then each turn on
    /// its own line as `User: …` / `Assistant: …`, ending with `Assistant:` for the model to continue.
    public static func prompt(for messages: [ChatMessage], task: Task) -> String {
        let request = ChatRequest(messages: messages)
        if task == .summarization { return request.prompt }
        if messages.count == 1, messages[0].role == "user" { return messages[0].content }
        var parts: [String] = []
        let system = messages.filter { $0.role == "system" }.map(\.content)
        if !system.isEmpty { parts.append(system.joined(separator: "\n\n") + "\n") }
        for message in messages where message.role != "system" {
            let speaker = message.role == "assistant" ? "Assistant" : "User"
            parts.append("\(speaker): \(message.content)")
        }
        parts.append("Assistant:")
        return parts.joined(separator: "\n")
    }

    // MARK: - Request

    private func headers(_ call: AdapterCall) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json")
        for header in provider.headers { headers.replaceOrAdd(name: header.name, value: header.value) }
        if waitForModel { headers.replaceOrAdd(name: "x-wait-for-model", value: "true") }
        if !useCache { headers.replaceOrAdd(name: "x-use-cache", value: "false") }
        if let key = call.key {
            headers.replaceOrAdd(name: "authorization", value: authScheme.isEmpty ? key.value : "\(authScheme) \(key.value)")
        }
        return headers
    }

    /// `{"inputs": …, "parameters": {…}}`; parameters only when the request sets them.
    private func body(_ call: AdapterCall, task: Task) -> [UInt8] {
        let request = call.request
        var json = JSONWriter()
        json.object { json in
            json.member("inputs", Self.prompt(for: request.messages, task: task))
            json.key("parameters")
            json.object { json in
                switch task {
                case .textGeneration:
                    json.member("return_full_text", false)
                    json.member("max_new_tokens", ifPresent: request.maxTokens)
                    // Text Generation Inference refuses temperature 0: greedy decoding is `do_sample: false`.
                    if let temperature = request.temperature {
                        if temperature > 0 { json.member("temperature", temperature) } else { json.member("do_sample", false) }
                    }
                    if let topP = request.topP, topP > 0, topP < 1 { json.member("top_p", topP) }
                    json.member("stop", ifNotEmpty: request.stop)
                case .summarization:
                    json.member("max_length", ifPresent: request.maxTokens)
                }
            }
        }
        return json.bytes
    }

    // MARK: - Response

    /// The answer's text from a parsed body (nil when the body is not JSON).
    static func text(in document: JSONValue?, task: Task) throws(UpstreamFailure) -> String {
        let field = task == .summarization ? "summary_text" : "generated_text"
        // A task answer is a one-element list; a bare object is accepted too.
        let first = (document?.array?.first ?? document)?.object
        guard let first else { throw .malformed("the answer is not a \(task.rawValue) result") }
        if let text = first[field]?.string { return text }
        if let text = first[task == .summarization ? "generated_text" : "summary_text"]?.string { return text }
        throw .malformed("the answer has no \(field)")
    }

    /// Reads `estimated_time` from a "model is loading" answer.
    static func withLoadEstimate(_ failure: UpstreamFailure) -> UpstreamFailure {
        guard failure.status == 503,
            let seconds = (try? JSONParser.parse(failure.body))?["estimated_time"]?.number, seconds > 0
        else { return failure }
        var failure = failure
        failure.estimatedRecovery = .milliseconds(Int64(min(seconds, 3_600) * 1_000))
        failure.message += " (model loading, about \(Int(seconds.rounded()))s)"
        return failure
    }
}

/// Every call goes through `UpstreamHTTP`, whose client fails it at the call's deadline.
extension HuggingFaceInferenceAdapter: DeadlineKeepingAdapter {}
