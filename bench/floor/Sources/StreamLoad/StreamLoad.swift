// StreamLoad holds one connection per stream, so the caller needs a file-descriptor limit well above
// --streams (`ulimit -n 65536`); it lifts its own soft limit to the hard one and warns when that is short.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BenchSupport
import NIOCore
import NIOPosix

/// `StreamLoad --url http://127.0.0.1:PORT/PATH --streams C [--ramp-ms R] [--model M] [--header "n: v"]…
///  [--timeout-s S] [--threads T]`: holds C streamed chat requests open at once, one connection each,
/// started evenly over R ms (stream i at i·R/C ms), and times every server-sent event as it arrives.
/// Prints one JSON line: streams, ok, errors (by kind), events, time to first event, time to first token
/// (the first event with text) and gaps between events (µs, nearest-rank percentiles over all streams).
///
/// Every stream lives on one event loop by default, so the client's own cost stays small and its timing
/// is not disturbed by other threads. Exits 0 whatever the streams did (the caller judges), 2 on bad usage.
@main
struct StreamLoad {
    static func main() throws {
        let options = LoadOptions.parse(Array(CommandLine.arguments.dropFirst()))
        let limit = FileLimit.raise()
        if let limit, limit < UInt64(options.streams) + 64 {
            StandardError.write("StreamLoad: warning: the file-descriptor limit is \(limit), too low for \(options.streams) streams (raise it with ulimit -n)\n")
        }
        let address: SocketAddress
        do {
            address = try (try? SocketAddress(ipAddress: options.target.host, port: options.target.port))
                ?? SocketAddress.makeAddressResolvingHost(options.target.host, port: options.target.port)
        } catch {
            LoadOptions.usage("cannot resolve \(options.target.host): \(error)")
        }
        let request = LoadRequest(options: options, address: address)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let tally = LoadTally(streams: options.streams, promise: group.next().makePromise())
        let started = NIODeadline.now()
        for index in 0..<options.streams {
            let loop = group.next()
            let delay = Int64(options.rampMilliseconds) * 1_000_000 * Int64(index) / Int64(options.streams)
            loop.scheduleTask(in: .nanoseconds(delay)) {
                LoadStream.start(index: index, request: request, tally: tally, on: loop)
            }
        }
        try tally.allDone.wait()
        let wallMilliseconds = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        print(tally.summary(wallMilliseconds: wallMilliseconds))
        for error in tally.firstErrors { StandardError.write("StreamLoad: \(error)\n") }
        try? group.syncShutdownGracefully()
    }
}
