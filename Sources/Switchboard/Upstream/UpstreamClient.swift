import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import Synchronization

/// The engine's HTTP/1.1 client for upstream calls, on SwiftNIO: keep-alive connections, and a request
/// goes out on an idle connection of the sending task's own event loop when there is one (or opens one
/// there), so a relayed call need not cross threads.
///
/// Each request is written in one flush (head and body together); the answer goes to a
/// `UpstreamResponseConsumer` on the connection's loop as each read arrives. Certificates are verified
/// against the system's trust roots; responses may be compressed (`Accept-Encoding: deflate, gzip`, as
/// AsyncHTTPClient sent). Redirects are not followed and a failed call is never retried here: the
/// engine decides what happens next.
final class UpstreamClient: Sendable {
    let group: any EventLoopGroup
    private let pool: UpstreamConnectionPool
    private let tlsConfiguration: TLSConfiguration
    private let tls = Mutex<Result<NIOSSLContext, UpstreamClientError>?>(nil)

    /// - Parameter tlsConfiguration: how `https` upstreams are checked; by default against the system's
    ///   trust roots, with full verification.
    init(group: any EventLoopGroup, tlsConfiguration: TLSConfiguration = .makeClientConfiguration()) {
        self.group = group
        self.pool = UpstreamConnectionPool(sweeper: group.next())
        self.tlsConfiguration = tlsConfiguration
    }

    /// Sends a request and hands its answer to `consumer`. Returns at once; the returned exchange can be
    /// cancelled from any thread. A nil `url` (one that did not parse) fails the exchange.
    @discardableResult
    func execute(
        _ method: HTTPMethod, _ url: UpstreamURL?, headers: HTTPHeaders, body: ByteBuffer?,
        connectTimeout: TimeAmount, deadline: NIODeadline, consumer: some UpstreamResponseConsumer
    ) -> UpstreamExchange {
        let preferred = group.any()
        guard let url else {
            let exchange = UpstreamExchange(loop: preferred, consumer: consumer)
            preferred.execute { exchange.fail(UpstreamClientError.invalidURL) }
            return exchange
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: url.target, headers: headers)
        if !head.headers.contains(name: "host") { head.headers.add(name: "Host", value: url.hostHeader) }
        if let body { head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes)) }
        let idle = pool.take(url.origin, preferring: preferred)
        let loop = idle?.channel.eventLoop ?? preferred
        let exchange = UpstreamExchange(loop: loop, consumer: consumer)
        let request = head
        let start: @Sendable () -> Void = {
            exchange.startDeadline(deadline)
            if let idle, idle.channel.isActive {
                idle.handler.value.send(request, body: body, for: exchange)
            } else {
                // Nothing was sent on a connection that closed while idle: a new one is safe.
                self.connect(request, body: body, to: url.origin, connectTimeout: connectTimeout, exchange: exchange)
            }
        }
        loop.run(start)
        return exchange
    }

    /// Closes every idle connection; the client stays usable.
    func closeIdleConnections() {
        pool.closeAll()
    }

    private func connect(
        _ head: HTTPRequestHead, body: ByteBuffer?, to origin: UpstreamURL.Origin, connectTimeout: TimeAmount,
        exchange: UpstreamExchange
    ) {
        guard !exchange.isOver else { return }
        let pool = self.pool
        let sslContext: NIOSSLContext?
        do {
            sslContext = origin.secure ? try self.sslContext() : nil
        } catch {
            exchange.fail(error)
            return
        }
        ClientBootstrap(group: exchange.loop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if let sslContext {
                        try handlers.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: origin.serverName))
                    }
                    try handlers.addHandler(HTTPRequestEncoder())
                    try handlers.addHandler(ByteToMessageHandler(HTTPResponseDecoder(
                        leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop)))
                    try handlers.addHandler(NIOHTTPResponseDecompressor(limit: .ratio(50)))
                    let handler = UpstreamExchangeHandler()
                    handler.onIdle = { handler, channel in pool.put(channel, handler: handler, for: origin) }
                    try handlers.addHandler(handler)
                }
            }
            .connect(host: origin.host, port: origin.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard !exchange.isOver,
                        let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamExchangeHandler.self)
                    else {
                        channel.close(promise: nil)
                        return
                    }
                    handler.send(head, body: body, for: exchange)
                case .failure(let error):
                    exchange.fail(error)
                }
            }
    }

    /// The TLS context for `https` upstreams, made on first use (reading the trust roots takes a while).
    private func sslContext() throws(UpstreamClientError) -> NIOSSLContext {
        let result = tls.withLock { cached -> Result<NIOSSLContext, UpstreamClientError> in
            if let cached { return cached }
            let made: Result<NIOSSLContext, UpstreamClientError>
            do {
                made = .success(try NIOSSLContext(configuration: tlsConfiguration))
            } catch {
                made = .failure(.tlsUnavailable(String(describing: error)))
            }
            cached = made
            return made
        }
        return try result.get()
    }
}
