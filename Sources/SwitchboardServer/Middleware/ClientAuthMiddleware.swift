import Hummingbird

/// Requires `Authorization: Bearer <token>` with one of the gateway's client tokens (when any are set),
/// compared in constant time, and caps each token's requests in flight. `/healthz` and `/readyz` stay open.
struct ClientAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path == "/readyz" { return try await next(request, context) }
        let tokens = gateway.settings.clientTokens
        guard !tokens.isEmpty else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw OpenAIError.unauthorized("missing client credentials: send Authorization: Bearer <token>")
        }
        let presented = Array(header.dropFirst("bearer ".count).utf8)
        var matched: String?
        for token in tokens where Self.constantTimeEquals(presented, Array(token.utf8)) { matched = token }
        guard let token = matched else { throw OpenAIError.unauthorized("the client token is not valid") }
        guard gateway.enter(token: token) else {
            throw OpenAIError(
                status: .tooManyRequests, message: "too many requests in flight for this client token",
                type: "rate_limit_error", code: "client_concurrency", headers: [.retryAfter: "1"])
        }
        do {
            let response = try await next(request, context)
            gateway.leave(token: token)
            return response
        } catch {
            gateway.leave(token: token)
            throw error
        }
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
