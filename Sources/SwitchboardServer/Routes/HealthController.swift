import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (a configuration is loaded and some route has
/// a target that can be tried now), and `GET /metrics` in Prometheus text format.
struct HealthController<Context: RequestContext> {
    let gateway: Gateway

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            let ready = gateway.engine.hasUsableTarget
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "no route has a usable target\n")))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: gateway.metrics.registry.emitToBuffer())))
        }
    }
}
