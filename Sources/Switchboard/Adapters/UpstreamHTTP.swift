import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SwitchboardConfig

/// The HTTP plumbing adapters share: one call with a deadline over the engine's `UpstreamClient`, a
/// bounded body read, and the mapping of client errors and non-2xx answers onto `UpstreamFailure`.
struct UpstreamHTTP: Sendable {
    let client: UpstreamClient
    let maxResponseBytes: Int
    /// The provider's `timeouts.connect`.
    let connectTimeout: TimeAmount

    init(client: UpstreamClient, maxResponseBytes: Int, connectTimeout: Duration) {
        self.client = client
        self.maxResponseBytes = maxResponseBytes
        self.connectTimeout = TimeAmount(connectTimeout)
    }

    /// Sends `body` and returns the 2xx answer, read whole; a non-2xx status becomes an `.http` failure
    /// (with the start of the body for rules to match).
    func post(
        _ url: UpstreamURL?, headers: HTTPHeaders, body: some Sequence<UInt8>, deadline: ContinuousClock.Instant
    ) async throws(UpstreamFailure) -> WholeResponseReader.Answer {
        let reader = WholeResponseReader(limit: maxResponseBytes)
        return try await run(.POST, url, headers: headers, body: ByteBuffer(bytes: body), deadline: deadline,
                             reader: reader, result: reader.result).value
    }

    /// Sends `body` for a streamed answer: the reader reads the answer on the connection's event loop
    /// and sends SSE chunks to `output`. The outcome (streaming, a whole non-SSE body, or a failure) comes
    /// back once the head — for non-SSE answers the body — has arrived, before `deadline`, with a way to
    /// stop the request. `deadline` bounds only that: a stream then runs as long as its events keep
    /// coming (the stream opener's watchdogs decide).
    func stream(
        _ url: UpstreamURL?, headers: HTTPHeaders, body: [UInt8], deadline: ContinuousClock.Instant,
        into output: OpenAIStreamReader.Output
    ) async throws(UpstreamFailure) -> (outcome: OpenAIStreamReader.Outcome, stop: @Sendable () -> Void) {
        let reader = OpenAIStreamReader(limit: maxResponseBytes, output: output)
        let (outcome, exchange) = try await run(
            .POST, url, headers: headers, body: ByteBuffer(bytes: body), deadline: deadline, reader: reader,
            result: reader.result)
        exchange.liftDeadline()
        return (outcome, { exchange.cancel() })
    }

    /// A GET whatever its status (probes read 401s and 404s as answers): the status, the headers and
    /// up to `limit` bytes of the body. Transport failures throw.
    func get(
        _ url: UpstreamURL?, headers: HTTPHeaders, deadline: ContinuousClock.Instant, limit: Int = 4 << 20
    ) async throws(UpstreamFailure) -> (status: Int, headers: HTTPHeaders, body: [UInt8]) {
        let reader = WholeResponseReader(limit: limit, acceptsAnyStatus: true)
        let answer = try await run(.GET, url, headers: headers, body: nil, deadline: deadline, reader: reader,
                                   result: reader.result).value
        return (answer.status, answer.headers, Array(buffer: answer.body))
    }

    /// Sends the request and waits for `result`, which `reader` sets; cancelling the calling task stops
    /// the exchange. Returns the exchange too, for a stream to go on with.
    private func run<Value: Sendable>(
        _ method: HTTPMethod, _ url: UpstreamURL?, headers: HTTPHeaders, body: ByteBuffer?, deadline: ContinuousClock.Instant,
        reader: some UpstreamResponseConsumer, result: UpstreamResult<Value>
    ) async throws(UpstreamFailure) -> (value: Value, exchange: UpstreamExchange) {
        let exchange = client.execute(
            method, url, headers: headers, body: body, connectTimeout: connectTimeout,
            deadline: EventLoopTimers.nioDeadline(deadline), consumer: reader)
        do {
            let value = try await withTaskCancellationHandler {
                try await result.value()
            } onCancel: {
                exchange.cancel()
            }
            return (value, exchange)
        } catch {
            throw Self.failure(for: error)
        }
    }

    /// A probe's key verdict from the status of an authenticated call, when the status decides it.
    static func keyVerdict(status: Int, headers: HTTPHeaders) -> ProbeOutcome.KeyVerdict? {
        switch status {
        case 200..<300: return .valid
        case 401, 403: return .invalid(status: status)
        case 429: return .rateLimited(retryAfter: headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) })
        default: return nil
        }
    }

    // MARK: - Failures

    static func failure(status: Int, reason: String, headers: HTTPHeaders, body: String) -> UpstreamFailure {
        let retryAfter = headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) }
        return UpstreamFailure(.http(status: status), message: "HTTP \(status) \(reason)", body: body, retryAfter: retryAfter)
    }

    /// Client and network errors in the words error rules use.
    static func failure(for error: any Error) -> UpstreamFailure {
        if let failure = error as? UpstreamFailure { return failure }
        if error is CancellationError { return .transport(.timeout, "the attempt was cancelled at its deadline") }
        if let error = error as? UpstreamClientError {
            switch error {
            case .deadlineExceeded: return .transport(.timeout, "timed out (the attempt's deadline passed)")
            case .cancelled: return .transport(.timeout, "the attempt was cancelled at its deadline")
            case .closedBeforeAnswer: return .transport(.connectionReset, "the upstream closed the connection")
            case .invalidURL: return .transport(.connectionRefused, "the upstream URL is not an absolute http(s) URL")
            case .tlsUnavailable(let reason): return .transport(.connectionRefused, "TLS is unavailable: \(reason)")
            }
        }
        if case ChannelError.connectTimeout = error { return .transport(.timeout, "timed out connecting") }
        if error is NIOSSLError || error is BoringSSLError {
            return .transport(.connectionReset, "the TLS handshake failed (\(error))")
        }
        // The connection closed before the body its content-length (or chunking) promised: the answer
        // was cut, not malformed.
        if let error = error as? HTTPParserError, error == .invalidEOFState {
            return .transport(.connectionReset, "the upstream closed the connection before the whole answer arrived")
        }
        if error is HTTPParserError { return .malformed("the upstream sent a broken HTTP message") }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return .transport(.connectionRefused, "connection refused") }
        if text.contains("timeout") || text.contains("timed out") { return .transport(.timeout, "timed out") }
        return .transport(.connectionReset, "connection failed: \(String(describing: type(of: error)))")
    }

    /// `base` and `path` joined with exactly one slash.
    static func join(_ base: String, _ path: String) -> String {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        let path = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return path.isEmpty ? base : base + "/" + path
    }
}
