#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BenchSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// `PacedUpstream --port P [--events N] [--interval-ms G] [--threads T]`: an OpenAI-compatible upstream on
/// 127.0.0.1:P whose streamed answers look like token generation: a role chunk at once, then N content
/// chunks G ms apart (each its own write and flush), then the finish reason, usage and `[DONE]`. A request
/// without `"stream":true` gets one fixed chat.completion. The events are encoded once, so the upstream's own
/// cost per event is a timer and a write. Runs until SIGTERM or SIGINT.
@main
struct PacedUpstream {
    static func main() throws {
        let options = UpstreamOptions.parse(Array(CommandLine.arguments.dropFirst()))
        FileLimit.raise()
        let interval = TimeAmount.nanoseconds(Int64((options.intervalMilliseconds * 1_000_000).rounded()))
        let answer = PacedAnswer(events: options.events, interval: interval)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let server: any Channel
        do {
            server = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // Accept up to 64 connections per loop tick (NIO's default is 4): under load the ticks grow
                // long, and new streams would wait in the accept queue, inflating time to first event.
                .serverChannelOption(.maxMessagesPerRead, value: 64)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // The response headers are constants: no need to validate them on every answer.
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withOutboundHeaderValidation: false)
                        try channel.pipeline.syncOperations.addHandler(PacedHandler(answer: answer))
                    }
                }
                .bind(host: "127.0.0.1", port: options.port)
                .wait()
        } catch {
            StandardError.write("PacedUpstream: cannot listen on 127.0.0.1:\(options.port): \(error)\n")
            exit(1)
        }
        StandardError.write("PacedUpstream listening on 127.0.0.1:\(options.port), \(options.events) events every \(options.intervalText) ms\n")
        try server.closeFuture.wait()
    }
}
