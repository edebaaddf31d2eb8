import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
@testable import Switchboard
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

/// The engine's own HTTP/1.1 client against real sockets on 127.0.0.1: keep-alive and its ends, body
/// framings, failures in the terms error rules use, the deadline, cancellation and TLS verification.
@Suite struct UpstreamClientTests {
    static func http(_ client: UpstreamClient = UpstreamClient(group: MultiThreadedEventLoopGroup.singleton)) -> UpstreamHTTP {
        UpstreamHTTP(client: client, maxResponseBytes: 1 << 20, connectTimeout: .seconds(2))
    }

    static func post(
        _ http: UpstreamHTTP, _ url: String, within timeout: Duration = .seconds(5)
    ) async -> Result<WholeResponseReader.Answer, UpstreamFailure> {
        do {
            let answer = try await http.post(
                UpstreamURL(url), headers: ["content-type": "application/json"], body: Array(#"{"x":1}"#.utf8),
                deadline: .now + timeout)
            return .success(answer)
        } catch {
            return .failure(error)
        }
    }

    static func text(_ result: Result<WholeResponseReader.Answer, UpstreamFailure>) -> String? {
        (try? result.get()).map { String(buffer: $0.body) }
    }

    static func transport(_ result: Result<WholeResponseReader.Answer, UpstreamFailure>) -> TransportFailure? {
        guard case .failure(let failure) = result, case .transport(let kind) = failure.kind else { return nil }
        return kind
    }

    @Test func theNextRequestReusesTheConnection() async throws {
        let upstream = try await MockUpstream { _ in .json(#"{"ok":true}"#) }
        defer { upstream.syncShutdown() }
        let http = Self.http()
        for _ in 0..<3 {
            #expect(Self.text(await Self.post(http, upstream.url("/v1/chat/completions"))) == #"{"ok":true}"#)
        }
        #expect(upstream.connections.accepted == 1)
        let sent = try #require(upstream.requests.first)
        #expect(sent.headers["host"] == "127.0.0.1:\(upstream.port)")
        #expect(sent.headers["content-length"] == "7")
        #expect(sent.body == #"{"x":1}"#)
    }

    @Test func aConnectionTheUpstreamClosesIsNotReused() async throws {
        let upstream = try await MockUpstream { _ in .json(#"{"ok":true}"#, headers: [("connection", "close")]) }
        defer { upstream.syncShutdown() }
        let http = Self.http()
        #expect(Self.text(await Self.post(http, upstream.url("/a"))) == #"{"ok":true}"#)
        #expect(Self.text(await Self.post(http, upstream.url("/a"))) == #"{"ok":true}"#)
        #expect(upstream.connections.accepted == 2)
        let counts = await upstream.waitForConnections { $0.open == 0 }
        #expect(counts.open == 0, "\(counts)")
    }

    @Test func aChunkedBodyIsReadWholeAndTheConnectionKept() async throws {
        let upstream = try await MockUpstream { _ in
            MockUpstream.Reply(headers: [("content-type", "application/json")],
                               parts: [(.zero, #"{"a":"#), (.milliseconds(5), "1"), (.zero, "}")])
        }
        defer { upstream.syncShutdown() }
        let http = Self.http()
        #expect(Self.text(await Self.post(http, upstream.url("/a"))) == #"{"a":1}"#)
        #expect(Self.text(await Self.post(http, upstream.url("/a"))) == #"{"a":1}"#)
        #expect(upstream.connections.accepted == 1)
    }

    @Test func aBodyEndedByTheUpstreamHalfClosingIsWhole() async throws {
        let upstream = try await RawUpstream(
            answer: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"ok\":true}", ending: .halfClose)
        let result = await Self.post(Self.http(), "http://127.0.0.1:\(upstream.port)/a")
        try await upstream.shutdown()
        #expect(Self.text(result) == #"{"ok":true}"#)
    }

    @Test func aBodyCutShortOfItsLengthIsAConnectionReset() async throws {
        let upstream = try await RawUpstream(
            answer: "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"ok\"", ending: .close)
        let result = await Self.post(Self.http(), "http://127.0.0.1:\(upstream.port)/a")
        try await upstream.shutdown()
        #expect(Self.transport(result) == .connectionReset)
    }

    @Test func aConnectionClosedBeforeTheHeadIsAConnectionReset() async throws {
        let upstream = try await MockUpstream { _ in MockUpstream.Reply(refuse: true) }
        defer { upstream.syncShutdown() }
        #expect(Self.transport(await Self.post(Self.http(), upstream.url("/a"))) == .connectionReset)
    }

    @Test func aBrokenStatusLineIsMalformed() async throws {
        let upstream = try await RawUpstream(answer: "HTTP/1.1 OK but not really\r\n\r\n", ending: .close)
        let result = await Self.post(Self.http(), "http://127.0.0.1:\(upstream.port)/a")
        try await upstream.shutdown()
        #expect(Self.transport(result) == .malformedResponse)
    }

    @Test func aRefusedConnectionIsConnectionRefused() async throws {
        let upstream = try await MockUpstream { _ in .json("{}") }
        defer { upstream.syncShutdown() }
        try await upstream.stopListening()
        #expect(Self.transport(await Self.post(Self.http(), upstream.url("/a"))) == .connectionRefused)
    }

    @Test func anErrorAnswerKeepsTheStartOfItsBodyForTheRules() async throws {
        let long = String(repeating: "x", count: 20_000)
        let upstream = try await MockUpstream { _ in .status(503, long, headers: [("retry-after", "7")]) }
        defer { upstream.syncShutdown() }
        let result = await Self.post(Self.http(), upstream.url("/a"))
        guard case .failure(let failure) = result else {
            Issue.record("a 503 was an answer")
            return
        }
        #expect(failure.kind == .http(status: 503))
        #expect(failure.body.utf8.count == WholeResponseReader.errorTextLimit)
        #expect(failure.retryAfter == .seconds(7))
    }

    @Test func anAnswerOverTheLimitIsMalformed() async throws {
        let upstream = try await MockUpstream { _ in .json(String(repeating: "y", count: 4_096)) }
        defer { upstream.syncShutdown() }
        let http = UpstreamHTTP(
            client: UpstreamClient(group: MultiThreadedEventLoopGroup.singleton), maxResponseBytes: 1_000,
            connectTimeout: .seconds(2))
        #expect(Self.transport(await Self.post(http, upstream.url("/a"))) == .malformedResponse)
    }

    @Test func theDeadlineEndsTheCallAndLetsGoOfItsConnection() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.json("{}"))
        defer { gate.open(); upstream.syncShutdown() }
        let result = await Self.post(Self.http(), upstream.url("/a"), within: .milliseconds(300))
        #expect(Self.transport(result) == .timeout)
        let counts = await upstream.waitForConnections { $0.open == 0 }
        #expect(counts.open == 0, "\(counts)")
    }

    @Test func cancellingTheCallLetsGoOfItsConnection() async throws {
        let (upstream, gate) = try await MockUpstream.holding(.json("{}"))
        defer { gate.open(); upstream.syncShutdown() }
        let http = Self.http()
        let call = Task { await Self.post(http, upstream.url("/a"), within: .seconds(30)) }
        #expect(await gate.waitForHeld(1) == 1)
        call.cancel()
        #expect(Self.transport(await call.value) == .timeout)
        let counts = await upstream.waitForConnections { $0.open == 0 }
        #expect(counts.open == 0, "\(counts)")
    }

    @Test func aStartedStreamOutlivesTheDeadlineOfItsHead() async throws {
        // The deadline bounds the wait for the head; the events after it are the stream watchdogs' business.
        // The head and the first event come at once; the rest waits at the gate until the deadline has passed.
        let (upstream, gate) = try await MockUpstream.holding(.sse(["a", "b", "c"]), fromPart: 1)
        defer { gate.open(); upstream.syncShutdown() }
        let (chunks, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        // Room for the head under the full suite's load: the test waits this long whatever it is.
        let deadline = ContinuousClock.now + .seconds(3)
        let (outcome, _) = try await Self.http().stream(
            UpstreamURL(upstream.url("/v1/chat/completions")), headers: ["content-type": "application/json"],
            body: Array("{}".utf8), deadline: deadline, into: .stream(continuation))
        guard case .streaming = outcome else {
            Issue.record("not streamed: \(outcome)")
            return
        }
        var iterator = chunks.makeAsyncIterator()
        var text = try await iterator.next()?.delta ?? ""
        // Past the deadline (a timer on the loops the client's own deadline runs on), the rest comes.
        try await MultiThreadedEventLoopGroup.singleton.any()
            .scheduleTask(deadline: EventLoopTimers.nioDeadline(deadline) + .milliseconds(100)) {}.futureResult.get()
        gate.open()
        while let chunk = try await iterator.next() { text += chunk.delta }
        #expect(text == "abc")
    }

    @Test func aCertificateIsVerifiedAgainstTheTrustRoots() async throws {
        let certificate = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(TestCertificate.privateKeyPEM.utf8), format: .pem)
        let server = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}"
        let upstream = try await RawUpstream(answer: answer, ending: .close, tls: server)
        let url = "https://localhost:\(upstream.port)/a"

        // The system's roots do not vouch for a self-signed certificate: no answer is read.
        let untrusted = await Self.post(Self.http(), url)
        #expect(Self.transport(untrusted) == .connectionReset, "\(untrusted)")

        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates([certificate])
        let trusted = await Self.post(Self.http(UpstreamClient(group: MultiThreadedEventLoopGroup.singleton, tlsConfiguration: trusting)), url)
        try await upstream.shutdown()
        #expect(Self.text(trusted) == #"{"ok":true}"#, "\(trusted)")
    }

    @Test func urlsSplitIntoOriginAndTarget() throws {
        let plain = try #require(UpstreamURL("http://127.0.0.1:8080/v1/chat/completions?x=1#frag"))
        #expect(plain.origin == .init(secure: false, host: "127.0.0.1", port: 8080))
        #expect(plain.target == "/v1/chat/completions?x=1")
        #expect(plain.origin.hostHeader == "127.0.0.1:8080")
        #expect(plain.origin.serverName == nil)

        let secure = try #require(UpstreamURL("HTTPS://Router.HuggingFace.co"))
        #expect(secure.origin == .init(secure: true, host: "router.huggingface.co", port: 443))
        #expect(secure.target == "/")
        #expect(secure.origin.hostHeader == "router.huggingface.co")
        #expect(secure.origin.serverName == "router.huggingface.co")

        let v6 = try #require(UpstreamURL("http://[::1]:9000?q"))
        #expect(v6.origin == .init(secure: false, host: "::1", port: 9000))
        #expect(v6.target == "/?q")
        #expect(v6.origin.hostHeader == "[::1]:9000")
        #expect(v6.origin.serverName == nil)

        for invalid in ["ftp://host/", "http://", "http://user:pw@host/", "http://host:99999/", "http://[::1/", "host/path"] {
            #expect(UpstreamURL(invalid) == nil, "\(invalid)")
        }
    }
}
