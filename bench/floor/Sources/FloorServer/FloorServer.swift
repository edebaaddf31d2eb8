import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOPosix

/// `FloorServer PORT UPSTREAM_URL`: on 127.0.0.1:PORT,
/// - `POST /fixed` reads the body and answers a fixed chat.completion (the server framework alone);
/// - `POST /proxy` sends the body to UPSTREAM_URL with AsyncHTTPClient and answers the upstream's body
///   (the two frameworks a gateway cannot avoid, with no parsing, routing or bookkeeping of its own).
/// Runs on NIO's event loops as Swift concurrency's executor, as `switchboard serve` does.
@main
struct FloorServer {
    static let answer = #"{"id":"chatcmpl-floor","object":"chat.completion","created":1764201600,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Server-sent events push text from a server to a client over one long HTTP response."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":17,"total_tokens":29}}"#

    static func main() async throws {
        _ = await MainActor.run { NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let port = Int(arguments[1]) else {
            print("usage: FloorServer PORT UPSTREAM_URL")
            return
        }
        let upstream = arguments[2]
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let router = Router()
        router.post("/fixed") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        router.post("/proxy") { request, _ -> Response in
            var outbound = HTTPClientRequest(url: upstream)
            outbound.method = .POST
            outbound.headers.add(name: "content-type", value: "application/json")
            outbound.body = .bytes(try await request.body.collect(upTo: 1 << 20))
            let response = try await client.execute(outbound, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 22)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await application.runService()
        try await client.shutdown()
    }
}
