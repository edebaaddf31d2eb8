import Foundation
import SwitchboardConfig

/// How `switchboard serve` runs: where it listens, who may call it, and its limits.
public struct GatewaySettings: Sendable {
    public var host: String
    public var port: Int
    /// Client tokens accepted as `Authorization: Bearer …`, read from `SWITCHBOARD_API_TOKENS`
    /// (comma-separated). Empty means no client auth, which is only allowed on loopback.
    public var clientTokens: [String]
    /// Operator tokens, read from `SWITCHBOARD_ADMIN_TOKENS`: the only tokens `/admin/*` and `/metrics`
    /// accept once any token is set (a client token gets 403 there). They are accepted on client paths too.
    public var adminTokens: [String]
    /// The largest request body accepted.
    public var maxRequestBytes: Int
    /// The most requests one client token may have in flight.
    public var maxConcurrentRequestsPerToken: Int

    public static let tokensVariable = "SWITCHBOARD_API_TOKENS"
    public static let adminTokensVariable = "SWITCHBOARD_ADMIN_TOKENS"

    public init(
        host: String = "127.0.0.1", port: Int = 8080, clientTokens: [String] = [], adminTokens: [String] = [],
        maxRequestBytes: Int = 1 << 20, maxConcurrentRequestsPerToken: Int = 64
    ) {
        self.host = host
        self.port = port
        self.clientTokens = clientTokens
        self.adminTokens = adminTokens
        self.maxRequestBytes = maxRequestBytes
        self.maxConcurrentRequestsPerToken = maxConcurrentRequestsPerToken
    }

    /// Tokens from `variable` (`SWITCHBOARD_API_TOKENS` unless given), comma-separated, blanks dropped.
    public static func tokens(from environment: [String: String], variable: String = tokensVariable) -> [String] {
        (environment[variable] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    public var isLoopback: Bool { URLHost.isLoopback(host) }

    /// Whether requests must present a token at all: when any client or operator token is set.
    var requiresTokens: Bool { !clientTokens.isEmpty || !adminTokens.isEmpty }

    /// Why these settings cannot be served, if they cannot: listening beyond loopback without client
    /// tokens would hand every provider key to anyone who can reach the port.
    public var refusal: String? {
        if !isLoopback && clientTokens.isEmpty {
            return "refusing to listen on \(host) without client authentication: set \(Self.tokensVariable) "
                + "to one or more comma-separated tokens, or listen on 127.0.0.1"
        }
        return nil
    }
}
