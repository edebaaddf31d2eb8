import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardConfig

/// The HTTP plumbing adapters share: one POST with a deadline, a bounded body read, and the mapping of
/// client errors and non-2xx answers onto `UpstreamFailure`.
struct UpstreamHTTP: Sendable {
    let client: HTTPClient
    let maxResponseBytes: Int

    /// Sends `body` and returns the response head; a non-2xx status becomes an `.http` failure (with
    /// the start of the body for rules to match).
    func post(
        _ url: String, headers: HTTPHeaders, body: some Sequence<UInt8>, deadline: ContinuousClock.Instant
    ) async throws(UpstreamFailure) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: EventLoopTimers.nioDeadline(deadline))
        } catch {
            throw Self.failure(for: error)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await readText(response, limit: 8_192, deadline: deadline)) ?? ""
            throw Self.failure(status: Int(response.status.code), reason: response.status.reasonPhrase,
                               headers: response.headers, body: text)
        }
        return response
    }

    /// Sends `body` for a streamed answer: the delegate reads the answer on the connection's event loop
    /// and sends SSE chunks to `output`. The outcome (streaming, a whole non-SSE body, or a failure) comes
    /// back once the head — for non-SSE answers the body — has arrived, before `deadline`, with a way to
    /// stop the request.
    func stream(
        _ url: String, headers: HTTPHeaders, body: [UInt8], deadline: ContinuousClock.Instant,
        into output: OpenAIStreamDelegate.Output
    ) async throws(UpstreamFailure) -> (outcome: OpenAIStreamDelegate.Outcome, stop: @Sendable () -> Void) {
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
        } catch {
            throw Self.failure(for: error)
        }
        let delegate = OpenAIStreamDelegate(limit: maxResponseBytes, output: output)
        let task = client.execute(request: request, delegate: delegate)
        let timer = task.eventLoop.scheduleTask(deadline: EventLoopTimers.nioDeadline(deadline)) {
            task.fail(reason: HTTPClientError.deadlineExceeded)
        }
        defer { timer.cancel() }
        do {
            let outcome = try await withTaskCancellationHandler {
                try await delegate.result()
            } onCancel: {
                task.cancel()
            }
            return (outcome, { task.cancel() })
        } catch {
            throw Self.failure(for: error)
        }
    }

    /// A GET whatever its status (probes read 401s and 404s as answers): the status, the headers and
    /// up to `limit` bytes of the body. Transport failures throw.
    func get(
        _ url: String, headers: HTTPHeaders, deadline: ContinuousClock.Instant, limit: Int = 4 << 20
    ) async throws(UpstreamFailure) -> (status: Int, headers: HTTPHeaders, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers = headers
        do {
            let response = try await client.execute(request, deadline: EventLoopTimers.nioDeadline(deadline))
            let body = try await response.body.collect(upTo: limit)
            return (Int(response.status.code), response.headers, Array(buffer: body))
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw .malformed("the answer is larger than \(limit) bytes")
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

    /// The whole body, refusing more than `maxResponseBytes`.
    func readBody(_ response: HTTPClientResponse, deadline: ContinuousClock.Instant) async throws(UpstreamFailure) -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: maxResponseBytes)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw .malformed("the response is larger than \(maxResponseBytes) bytes")
        } catch {
            throw Self.failure(for: error)
        }
    }

    private func readText(_ response: HTTPClientResponse, limit: Int, deadline: ContinuousClock.Instant) async throws -> String {
        var collected = ByteBuffer()
        for try await var chunk in response.body {
            let room = limit - collected.readableBytes
            if room <= 0 { break }
            if chunk.readableBytes > room { chunk = chunk.getSlice(at: chunk.readerIndex, length: room) ?? chunk }
            collected.writeBuffer(&chunk)
        }
        return String(buffer: collected)
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
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout, .cancelled:
                return .transport(.timeout, "timed out (\(error))")
            case .remoteConnectionClosed:
                return .transport(.connectionReset, "the upstream closed the connection")
            case .bodyLengthMismatch, .contentLengthMissing:
                return .malformed("the upstream sent a broken HTTP message (\(error))")
            default:
                break
            }
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
