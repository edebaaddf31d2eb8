/// The `server:` block: how `switchboard serve` listens. Command-line options win over it.
public struct ServerSettings: Sendable, Hashable {
    public var host: String?
    public var port: Int?
    /// The largest request body accepted.
    public var maxRequestBytes: Int?
    /// The most requests one client token may have in flight.
    public var maxConcurrentPerToken: Int?
    /// How long requests in flight may take to finish after SIGTERM or SIGINT.
    public var shutdownGrace: Duration?
    public var source: SourceMap

    public init(
        host: String? = nil, port: Int? = nil, maxRequestBytes: Int? = nil, maxConcurrentPerToken: Int? = nil,
        shutdownGrace: Duration? = nil, source: SourceMap = .none
    ) {
        self.host = host
        self.port = port
        self.maxRequestBytes = maxRequestBytes
        self.maxConcurrentPerToken = maxConcurrentPerToken
        self.shutdownGrace = shutdownGrace
        self.source = source
    }
}
