import Hummingbird

/// Counts requests by method, route path and status, and times them.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        // Label by the matched route, not the raw path, so that metrics cardinality stays bounded.
        func path() -> String { context.endpointPath ?? "unmatched" }
        do {
            let response = try await next(request, context)
            metrics.httpRequest(method: request.method.rawValue, path: path(), status: response.status.code,
                                duration: started.duration(to: .now))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.httpRequest(method: request.method.rawValue, path: path(), status: status, duration: started.duration(to: .now))
            throw error
        }
    }
}
