#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `StreamLoad --url http://127.0.0.1:PORT/PATH --streams C [--ramp-ms R] [--model M] [--header "n: v"]…
///  [--timeout-s S] [--threads T]`: holds C streamed chat requests open at once, one connection each,
/// started evenly over R ms, and times every server-sent event as it arrives. Prints one JSON line:
/// streams, ok, errors (by kind), events, time to first event, time to first token (the first event with
/// text) and gaps between events (p50/p99/max, µs).
///
/// Every stream lives on one event loop (by default), so the client's own cost stays small and its
/// timing is not disturbed by locks. The caller needs a file-descriptor limit above C.
@main
struct StreamLoad {
    static func main() throws {
        let options = LoadOptions.parse(Array(CommandLine.arguments.dropFirst()))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let tally = LoadTally(streams: options.streams, promise: group.next().makePromise())
        let started = NIODeadline.now()
        for index in 0..<options.streams {
            let loop = group.next()
            let delay = TimeAmount.nanoseconds(Int64(options.rampMilliseconds) * 1_000_000 * Int64(index) / Int64(max(options.streams, 1)))
            loop.scheduleTask(in: delay) { LoadStream.start(options: options, tally: tally, on: loop) }
        }
        try tally.allDone.wait()
        let elapsed = (NIODeadline.now() - started).nanoseconds / 1_000_000
        print(tally.summary(wallMilliseconds: Int(elapsed)))
        for error in tally.firstErrors { StandardError.write("StreamLoad: \(error)\n") }
        try? group.syncShutdownGracefully()
    }
}

/// The command line.
struct LoadOptions: Sendable {
    var host = "127.0.0.1"
    var port = 0
    var path = "/"
    var streams = 100
    var rampMilliseconds = 1_000
    var model = "bench-stream"
    var headers: [(String, String)] = []
    var timeoutSeconds = 120
    var threads = 1

    static func parse(_ arguments: [String]) -> LoadOptions {
        var options = LoadOptions()
        var url: String?
        var rest = arguments[...]
        while let option = rest.popFirst() {
            guard let value = rest.popFirst() else { usage("\(option) needs a value") }
            switch option {
            case "--url": url = value
            case "--streams": options.streams = number(value, "--streams")
            case "--ramp-ms": options.rampMilliseconds = number(value, "--ramp-ms")
            case "--model": options.model = value
            case "--header":
                let parts = value.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { usage("--header takes \"name: value\"") }
                options.headers.append((String(parts[0]), parts[1].trimmingPrefix(" ").description))
            case "--timeout-s": options.timeoutSeconds = number(value, "--timeout-s")
            case "--threads": options.threads = number(value, "--threads")
            default: usage("unknown option \(option)")
            }
        }
        guard let url, url.hasPrefix("http://") else { usage("--url http://HOST:PORT/PATH is required") }
        let rest2 = url.dropFirst("http://".count)
        let authority = rest2.prefix { $0 != "/" }
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { usage("the URL needs a host and a port") }
        options.host = String(parts[0])
        options.port = port
        options.path = rest2.count > authority.count ? String(rest2.dropFirst(authority.count)) : "/"
        guard options.streams > 0, options.threads > 0 else { usage("--streams and --threads must be positive") }
        return options
    }

    static func number(_ value: String, _ option: String) -> Int {
        guard let number = Int(value) else { usage("\(option) takes a number") }
        return number
    }

    static func usage(_ problem: String) -> Never {
        StandardError.write("StreamLoad: \(problem)\nusage: StreamLoad --url http://HOST:PORT/PATH --streams C [--ramp-ms R] [--model M] [--header \"n: v\"]... [--timeout-s S] [--threads T]\n")
        exit(2)
    }
}

/// What all streams measured; updated on the event loops under a lock (one loop by default: uncontended).
final class LoadTally: Sendable {
    private struct State {
        var finished = 0
        var ok = 0
        var events = 0
        var eventsPerStream: [Int] = []
        var firstEvent: [Int] = []
        var firstToken: [Int] = []
        var gaps: [Int] = []
        var errorKinds: [String: Int] = [:]
        var firstErrors: [String] = []
    }

    private let streams: Int
    private let promise: EventLoopPromise<Void>
    private let state = Mutex(State())

    init(streams: Int, promise: EventLoopPromise<Void>) {
        self.streams = streams
        self.promise = promise
    }

    var allDone: EventLoopFuture<Void> { promise.futureResult }
    var firstErrors: [String] { state.withLock { $0.firstErrors } }

    func finish(_ stream: StreamMeasure, error: (kind: String, detail: String)?) {
        let done = state.withLock { state -> Bool in
            state.finished += 1
            state.events += stream.events
            state.eventsPerStream.append(stream.events)
            if let first = stream.firstEvent { state.firstEvent.append(first) }
            if let first = stream.firstToken { state.firstToken.append(first) }
            state.gaps.append(contentsOf: stream.gaps)
            if let error {
                state.errorKinds[error.kind, default: 0] += 1
                if state.firstErrors.count < 3 { state.firstErrors.append("\(error.kind): \(error.detail)") }
            } else {
                state.ok += 1
            }
            return state.finished == streams
        }
        if done { promise.succeed(()) }
    }

    func summary(wallMilliseconds: Int) -> String {
        state.withLock { state in
            func percentile(_ values: [Int], _ p: Double) -> Int {
                guard !values.isEmpty else { return 0 }
                let sorted = values.sorted()
                return sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
            }
            let kinds = state.errorKinds.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            return "{\"streams\":\(streams),\"ok\":\(state.ok),\"errors\":\(streams - state.ok),\"error_kinds\":{\(kinds)},"
                + "\"events\":\(state.events),\"events_per_stream_p50\":\(percentile(state.eventsPerStream, 0.5)),"
                + "\"ttfe_p50_us\":\(percentile(state.firstEvent, 0.5)),\"ttfe_p99_us\":\(percentile(state.firstEvent, 0.99)),"
                + "\"ttft_p50_us\":\(percentile(state.firstToken, 0.5)),\"ttft_p99_us\":\(percentile(state.firstToken, 0.99)),"
                + "\"gap_p50_us\":\(percentile(state.gaps, 0.5)),\"gap_p99_us\":\(percentile(state.gaps, 0.99)),"
                + "\"gap_max_us\":\(state.gaps.max() ?? 0),\"wall_ms\":\(wallMilliseconds)}"
        }
    }
}

/// One stream's figures, in microseconds.
struct StreamMeasure {
    var events = 0
    var firstEvent: Int?
    /// Until the first event with text in it (`"content":"` and a character): what a reader waits for.
    var firstToken: Int?
    var gaps: [Int] = []
}

/// One connection carrying one streamed request.
final class LoadStream: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let tally: LoadTally
    private var measure = StreamMeasure()
    private var sentAt = NIODeadline.now()
    private var lastEvent: NIODeadline?
    private var status: UInt = 0
    private var ended = false
    private var done = false
    private var reported = false
    private var timeout: Scheduled<Void>?
    /// The bytes of the current event seen so far (its start only, to recognise `data: [DONE]`).
    private var eventStart: [UInt8] = []
    private var previousNewline = false
    /// How much of `"content":"` the current event has matched, and whether it carried text.
    private var contentMatch = 0
    private var eventHasToken = false

    init(tally: LoadTally) {
        self.tally = tally
        measure.gaps.reserveCapacity(512)
        eventStart.reserveCapacity(16)
    }

    static func start(options: LoadOptions, tally: LoadTally, on loop: any EventLoop) {
        let handler = LoadStream(tally: tally)
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: options.host, port: options.port)
            .whenComplete { result in
                switch result {
                case .success(let channel): handler.send(options, on: channel)
                case .failure(let error): handler.report(("connect", "\(error)"))
                }
            }
    }

    private func send(_ options: LoadOptions, on channel: any Channel) {
        let body = ByteBuffer(string: #"{"model":"\#(options.model)","messages":[{"role":"user","content":"Explain server-sent events"}],"stream":true}"#)
        var headers = HTTPHeaders()
        headers.add(name: "host", value: "\(options.host):\(options.port)")
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "text/event-stream")
        headers.add(name: "content-length", value: "\(body.readableBytes)")
        for (name, value) in options.headers { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: options.path, headers: headers)
        timeout = channel.eventLoop.scheduleTask(in: .seconds(Int64(options.timeoutSeconds))) { [self] in
            report(("timeout", "no end within \(options.timeoutSeconds) s"))
            channel.close(promise: nil)
        }
        sentAt = NIODeadline.now()
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
        case .body(let buffer):
            scan(buffer, at: NIODeadline.now())
        case .end:
            ended = true
            if status != 200 {
                report(("status \(status)", "HTTP \(status)"))
            } else if !done {
                report(("no-done", "the stream ended without data: [DONE] after \(measure.events) events"))
            } else {
                report(nil)
            }
            context.close(promise: nil)
        }
    }

    /// Counts the events `buffer` completes; a blank line (two newlines, `\r` ignored) ends one.
    private func scan(_ buffer: ByteBuffer, at now: NIODeadline) {
        for byte in buffer.readableBytesView {
            switch byte {
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\n"):
                if previousNewline {
                    previousNewline = false
                    eventEnded(at: now)
                } else {
                    previousNewline = true
                }
            default:
                previousNewline = false
                if eventStart.count < 12 { eventStart.append(byte) }
                if measure.firstToken == nil && !eventHasToken { matchContent(byte) }
            }
        }
    }

    private static let doneEvent = Array("data: [DONE]".utf8)
    private static let contentKey = Array(#""content":""#.utf8)

    private func matchContent(_ byte: UInt8) {
        if contentMatch == Self.contentKey.count {
            eventHasToken = byte != UInt8(ascii: "\"")
            contentMatch = 0
        } else if byte == Self.contentKey[contentMatch] {
            contentMatch += 1
        } else {
            contentMatch = byte == Self.contentKey[0] ? 1 : 0
        }
    }

    private func eventEnded(at now: NIODeadline) {
        defer {
            eventStart.removeAll(keepingCapacity: true)
            contentMatch = 0
            eventHasToken = false
        }
        guard !eventStart.isEmpty else { return }
        if eventHasToken && measure.firstToken == nil { measure.firstToken = Int((now - sentAt).nanoseconds / 1_000) }
        if eventStart == Self.doneEvent { done = true }
        measure.events += 1
        if let last = lastEvent {
            measure.gaps.append(Int((now - last).nanoseconds / 1_000))
        } else {
            measure.firstEvent = Int((now - sentAt).nanoseconds / 1_000)
        }
        lastEvent = now
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !ended { report(("closed", "the connection closed after \(measure.events) events")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        report(("error", "\(error)"))
        context.close(promise: nil)
    }

    private func report(_ error: (kind: String, detail: String)?) {
        guard !reported else { return }
        reported = true
        timeout?.cancel()
        tally.finish(measure, error: error)
    }
}

enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
