/// An upstream URL split into what a connection needs (the origin) and what a request line needs (the
/// path and query). Only `http` and `https`; userinfo is refused rather than sent in the clear.
struct UpstreamURL: Sendable, Hashable {
    /// Where a connection goes: connections are pooled by origin.
    struct Origin: Sendable, Hashable {
        var secure: Bool
        var host: String
        var port: Int

        /// The `Host` header: the port only when it is not the scheme's default; IPv6 in brackets.
        var hostHeader: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
        }

        /// The name sent for SNI and checked against the certificate; nil for an IP address, which SNI
        /// does not carry.
        var serverName: String? {
            if host.contains(":") { return nil }
            let isIPv4 = host.split(separator: ".", omittingEmptySubsequences: false).count == 4
                && host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
            return isIPv4 ? nil : host
        }
    }

    let origin: Origin
    /// The request target: path and query, at least `/`.
    let target: String
    /// `origin.hostHeader`, made once with the parse rather than on every request.
    let hostHeader: String

    /// Nil when `text` is not an absolute `http` or `https` URL with a host.
    init?(_ text: String) {
        let secure: Bool
        let rest: Substring
        if text.lowercased().hasPrefix("https://") {
            secure = true
            rest = text.dropFirst("https://".count)
        } else if text.lowercased().hasPrefix("http://") {
            secure = false
            rest = text.dropFirst("http://".count)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var target = String(rest[authorityEnd...].prefix { $0 != "#" })
        if target.isEmpty || target.first == "?" { target = "/" + target }

        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        var port = secure ? 443 : 80
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else { return nil }
            port = value
        }
        self.origin = Origin(secure: secure, host: String(host).lowercased(), port: port)
        self.target = target
        self.hostHeader = origin.hostHeader
    }
}
