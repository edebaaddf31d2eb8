import Hummingbird
import Synchronization

/// Requires `Authorization: Bearer <token>`, compared in constant time, and caps each token's requests
/// in flight. Client paths take a client or an operator token once client tokens are set; operator paths
/// (`/admin/*`, `/metrics`, `/status`, `/status.json`) take only an operator token (`SWITCHBOARD_ADMIN_TOKENS`) once any token is
/// set, and answer a client token with 403. `/healthz` and `/readyz` stay open.
struct ClientAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path == "/readyz" { return try await next(request, context) }
        let settings = gateway.settings
        if Self.isOperatorPath(path) {
            guard settings.requiresTokens else { return try await next(request, context) }
            let presented = try Self.bearer(request)
            if Self.match(presented, in: settings.adminTokens) != nil { return try await next(request, context) }
            if Self.match(presented, in: settings.clientTokens) != nil {
                throw OpenAIError(
                    status: .forbidden,
                    message: "\(path) is for operators: send a token from \(GatewaySettings.adminTokensVariable)",
                    type: "permission_error", code: "operator_token_required")
            }
            throw OpenAIError.unauthorized("the token is not valid")
        }
        guard !settings.clientTokens.isEmpty else { return try await next(request, context) }
        let presented = try Self.bearer(request)
        guard let token = Self.match(presented, in: settings.clientTokens) ?? Self.match(presented, in: settings.adminTokens)
        else { throw OpenAIError.unauthorized("the client token is not valid") }
        guard gateway.enter(token: token) else {
            throw OpenAIError(
                status: .tooManyRequests, message: "too many requests in flight for this client token",
                type: "rate_limit_error", code: "client_concurrency", headers: [.retryAfter: "1"])
        }
        let slot = TokenSlot(gateway: gateway, token: token)
        do {
            var response = try await next(request, context)
            // A streamed answer is still running when its head returns: the slot is held until the body
            // has been written (or has failed), not let go with the head.
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { slot.release() }
                try await body.write(writer)
            }
            return response
        } catch {
            slot.release()
            throw error
        }
    }

    /// One request's place in its token's count, given back exactly once: when the body is written, when
    /// the handler fails, or — should the response be dropped unwritten — when the slot is released.
    private final class TokenSlot: Sendable {
        private let gateway: Gateway
        private let token: String
        private let held = Mutex(true)

        init(gateway: Gateway, token: String) {
            self.gateway = gateway
            self.token = token
        }

        func release() {
            let wasHeld = held.withLock { held in
                defer { held = false }
                return held
            }
            if wasHeld { gateway.leave(token: token) }
        }

        deinit { release() }
    }

    /// Paths that show or change the gateway as a whole rather than answer a client's request.
    static func isOperatorPath(_ path: String) -> Bool {
        path == "/metrics" || path == "/status" || path == "/status.json" || path.hasPrefix("/admin/")
    }

    /// The bearer token's bytes; 401 when there is none.
    private static func bearer(_ request: Request) throws -> [UInt8] {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
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
