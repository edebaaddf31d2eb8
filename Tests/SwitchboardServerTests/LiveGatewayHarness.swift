import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Every log line a logger wrote, kept for assertions (swift-log's bootstrap is global per process, so
/// tests inject a `Logger` built on this instead).
final class LogStore: Sendable {
    struct Line: Sendable, CustomStringConvertible {
        var label: String
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        var error: String?

        var description: String {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "[\(label)] \(level) \(message) \(fields)" + (error.map { " error=\($0)" } ?? "")
        }
    }

    private let box = NIOLockedValueBox<[Line]>([])
    private let (arrivals, arrived) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    var lines: [Line] { box.withLockedValue { $0 } }
    var text: String { lines.map(\.description).joined(separator: "\n") }

    func append(_ line: Line) {
        box.withLockedValue { $0.append(line) }
        arrived.yield()
    }

    /// The first line `matches` accepts, once it is written (one waiter at a time; the suite's time limit
    /// bounds a line that never comes).
    func line(where matches: @Sendable (Line) -> Bool) async -> Line? {
        if let line = lines.first(where: matches) { return line }
        for await _ in arrivals {
            if let line = lines.first(where: matches) { return line }
        }
        return nil
    }

    /// A logger at `.trace` (so every message and its metadata is built) writing here.
    func logger(_ label: String = "switchboard") -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(store: self, label: label) }
        logger.logLevel = .trace
        return logger
    }

    /// `attempt failed` lines for `provider`, as their `class` values.
    func failedClasses(provider: String) -> [String] {
        lines.filter { $0.message == "attempt failed" && $0.metadata["provider"] == provider }.compactMap { $0.metadata["class"] }
    }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        store.append(LogStore.Line(
            label: label, level: event.level, message: "\(event.message)",
            metadata: merged.mapValues { "\($0)" }, error: event.error.map { "\($0)" }))
    }
}

/// What the gateway answered, read by a real HTTP client with its own deadline.
struct GatewayReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String
    var elapsed: Duration
    /// The client gave up reading the body at its deadline (the gateway kept the response open).
    var timedOut: Bool
    /// The body ended with a transport error (the gateway closed the connection mid-body).
    var bodyError: String?

    func header(_ name: String) -> String? { headers.first(name: name) }

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var error: [String: Any]? { json["error"] as? [String: Any] }
    var trace: [String] { error?["trace"] as? [String] ?? [] }

    /// The `data:` payloads of an SSE body, in order.
    var events: [String] {
        body.components(separatedBy: "\n\n").compactMap { event in
            event.hasPrefix("data: ") ? String(event.dropFirst("data: ".count)) : nil
        }
    }

    /// The concatenated `delta.content` of the SSE chunks.
    var streamedText: String {
        events.compactMap { event -> String? in
            let object = (try? JSONSerialization.jsonObject(with: Data(event.utf8))) as? [String: Any]
            let delta = (object?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            return delta?["content"] as? String
        }.joined()
    }

    /// The `error` object of an SSE error event, if the stream ended with one.
    var streamError: [String: Any]? {
        for event in events.reversed() {
            if let object = (try? JSONSerialization.jsonObject(with: Data(event.utf8))) as? [String: Any],
                let error = object["error"] as? [String: Any]
            {
                return error
            }
        }
        return nil
    }

    var endsWithDone: Bool { events.last == "[DONE]" }

    /// `choices[0].message.content` of a chat completion.
    var content: String? {
        ((json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
    }

    /// Everything a client saw: status line, headers and body.
    var transcript: String {
        "HTTP \(status)\n" + headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") + "\n\n" + body
    }
}

/// A live gateway (HummingbirdTesting's live mode: 127.0.0.1, ephemeral port) and a client for it.
struct LiveGateway: Sendable {
    let port: Int
    let gateway: Gateway
    let client: HTTPClient

    static func chatBody(model: String = "chat", stream: Bool = false) -> String {
        #"{"model":"\#(model)","messages":[{"role":"user","content":"hello"}],"stream":\#(stream)}"#
    }

    /// Sends a request and reads the whole answer, giving up on the body at `timeout` (which closes the
    /// connection, as a client that stops waiting would).
    func send(
        _ method: HTTPMethod = .POST, _ path: String = "/v1/chat/completions", body: String? = nil,
        headers: [(String, String)] = [], timeout: Duration = .seconds(10)
    ) async throws -> GatewayReply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let started = ContinuousClock.now
        let response = try await client.execute(request, deadline: .now() + Self.amount(timeout))
        let collected = NIOLockedValueBox(ByteBuffer())
        // (finished reading, gave up at the deadline)
        let state = NIOLockedValueBox((done: false, timedOut: false))
        let reader = Task {
            defer { state.withLockedValue { $0.done = true } }
            for try await var chunk in response.body { collected.withLockedValue { _ = $0.writeBuffer(&chunk) } }
        }
        let remaining = started.advanced(by: timeout) - ContinuousClock.now
        let timer = Task {
            try await Task.sleep(for: remaining)
            let giveUp = state.withLockedValue { state in
                if !state.done { state.timedOut = true }
                return state.timedOut
            }
            if giveUp { reader.cancel() }
        }
        let outcome = await reader.result
        timer.cancel()
        let timedOut = state.withLockedValue { $0.timedOut }
        var bodyError: String?
        if case .failure(let error) = outcome, !timedOut { bodyError = "\(error)" }
        return GatewayReply(
            status: Int(response.status.code), headers: response.headers,
            body: String(buffer: collected.withLockedValue { $0 }), elapsed: started.duration(to: .now),
            timedOut: timedOut, bodyError: bodyError)
    }

    func chat(stream: Bool, model: String = "chat", headers: [(String, String)] = [], timeout: Duration = .seconds(10))
        async throws -> GatewayReply
    {
        try await send(body: Self.chatBody(model: model, stream: stream), headers: headers, timeout: timeout)
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Runs `body` against a live gateway for `yaml`; the engine and the gateway log to `logger`.
    /// With `source`, `POST /admin/reload` re-reads that file.
    static func run(
        _ yaml: String, environment: [String: String] = [:], tokens: [String] = [], adminTokens: [String] = [],
        maxConcurrentPerToken: Int = 64, clock: (any EngineClock)? = nil, logger: Logger,
        metrics: GatewayMetrics = GatewayMetrics(), reloadFrom path: String? = nil,
        _ body: @escaping @Sendable (LiveGateway) async throws -> Void
    ) async throws {
        let configuration = try SwitchboardConfiguration.parse(yaml).configuration
        let upstreamClient = Switchboard.makeHTTPClient(for: configuration)
        let engine: Switchboard
        do {
            engine = try Switchboard(
                configuration: configuration, environment: environment, httpClient: upstreamClient, logger: logger,
                metricsFactory: metrics.factory, clock: clock)
        } catch {
            try await upstreamClient.shutdown()
            throw error
        }
        let settings = GatewaySettings(
            host: "127.0.0.1", port: 0, clientTokens: tokens, adminTokens: adminTokens,
            maxConcurrentRequestsPerToken: maxConcurrentPerToken)
        let source = path.map { Gateway.Source(path: $0, environment: environment, httpClient: upstreamClient) }
        let gateway = Gateway(engine: engine, settings: settings, source: source, logger: logger, metrics: metrics)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await buildApplication(gateway: gateway).test(.live) { testClient in
                let port = try #require(testClient.port)
                try await body(LiveGateway(port: port, gateway: gateway, client: client))
            }
        } catch {
            try? await client.shutdown()
            try? await upstreamClient.shutdown()
            throw error
        }
        try await client.shutdown()
        try await upstreamClient.shutdown()
    }
}

