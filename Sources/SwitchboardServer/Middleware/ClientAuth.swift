import HTTPTypes

/// The gateway's token rules, for the router's middleware and the chat channel handler alike.
///
/// Requires `Authorization: Bearer <token>`, compared in constant time, and caps each token's requests
/// in flight. Client paths take a client or an operator token once client tokens are set; operator paths
/// (`/admin/*`, `/metrics`, `/status`, `/status.json`) take only an operator token
/// (`SWITCHBOARD_ADMIN_TOKENS`) once any token is set, and answer a client token with 403. `/healthz`
/// and `/readyz` stay open.
enum ClientAuth {
    /// Lets a request in, with the slot it holds in its token's count (nil when none is counted), or
    /// refuses it.
    static func admit(path: String, headers: HTTPFields, gateway: Gateway) throws(OpenAIError) -> TokenSlot? {
        if path == "/healthz" || path == "/readyz" { return nil }
        let settings = gateway.settings
        if isOperatorPath(path) {
            guard settings.requiresTokens else { return nil }
            let presented = try bearer(headers)
            if match(presented, in: settings.adminTokens) != nil { return nil }
            if match(presented, in: settings.clientTokens) != nil {
                throw OpenAIError(
                    status: .forbidden,
                    message: "\(path) is for operators: send a token from \(GatewaySettings.adminTokensVariable)",
                    type: "permission_error", code: "operator_token_required")
            }
            throw OpenAIError.unauthorized("the token is not valid")
        }
        guard !settings.clientTokens.isEmpty else { return nil }
        let presented = try bearer(headers)
        guard let token = match(presented, in: settings.clientTokens) ?? match(presented, in: settings.adminTokens)
        else { throw OpenAIError.unauthorized("the client token is not valid") }
        guard gateway.enter(token: token) else {
            throw OpenAIError(
                status: .tooManyRequests, message: "too many requests in flight for this client token",
                type: "rate_limit_error", code: "client_concurrency", headers: [.retryAfter: "1"])
        }
        return TokenSlot(gateway: gateway, token: token)
    }

    /// Paths that show or change the gateway as a whole rather than answer a client's request.
    static func isOperatorPath(_ path: String) -> Bool {
        path == "/metrics" || path == "/status" || path == "/status.json" || path.hasPrefix("/admin/")
    }

    /// The bearer token's bytes; 401 when there is none.
    private static func bearer(_ headers: HTTPFields) throws(OpenAIError) -> [UInt8] {
        guard let header = headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError.unauthorized("missing credentials: send Authorization: Bearer <token>")
        }
        return Array(header.dropFirst("bearer ".count).utf8)
    }

    /// The token `presented` equals, comparing against every one so timing does not tell which matched.
    private static func match(_ presented: [UInt8], in tokens: [String]) -> String? {
        var matched: String?
        for token in tokens where constantTimeEquals(presented, Array(token.utf8)) { matched = token }
        return matched
    }

    /// Compares every byte whatever the lengths, so timing reveals neither content nor where they differ.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
