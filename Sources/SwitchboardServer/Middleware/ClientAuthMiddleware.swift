import Hummingbird

/// The token rules of `ClientAuth` for the router's requests; a counted token's slot is held until the
/// response body has been written.
struct ClientAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let slot = try ClientAuth.admit(path: request.uri.path, headers: request.headers, gateway: gateway) else {
            return try await next(request, context)
        }
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
}
