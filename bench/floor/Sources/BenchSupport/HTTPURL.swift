/// `http://HOST[:PORT][/PATH]`: plain HTTP only, an IPv4 address or a name, the path kept whole (port 80
/// when none is written).
public struct HTTPURL: Sendable {
    public let host: String
    public let port: Int
    public let path: String

    /// Why a text is not such a URL, in words for a usage error.
    public struct Problem: Error {
        public let message: String
    }

    public init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    public init(_ text: String) throws(Problem) {
        guard text.hasPrefix("http://") else { throw Problem(message: "must start with http:// (got \"\(text)\")") }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let pathPart = rest.dropFirst(authority.count)
        let hostAndPort = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = hostAndPort.first, !host.isEmpty, hostAndPort.count <= 2 else {
            throw Problem(message: "needs a host, like http://127.0.0.1:8080/v1/chat/completions")
        }
        var port = 80
        if hostAndPort.count == 2 {
            guard let written = Int(hostAndPort[1]), (1...65535).contains(written) else {
                throw Problem(message: "has a bad port \"\(hostAndPort[1])\"")
            }
            port = written
        }
        self.host = String(host)
        self.port = port
        path = pathPart.isEmpty ? "/" : (pathPart.hasPrefix("/") ? String(pathPart) : "/" + pathPart)
    }

    /// The `host` header's value.
    public var authority: String { port == 80 ? host : "\(host):\(port)" }
}
