import Hummingbird
import Logging

/// The gateway's HTTP application: OpenAI-compatible endpoints, health, metrics, client auth.
public func buildApplication(gateway: Gateway) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware(metrics: gateway.metrics))
    router.add(middleware: ClientAuthMiddleware(gateway: gateway))
    ChatCompletionsController(gateway: gateway).addRoutes(to: router)
    ModelsController(gateway: gateway).addRoutes(to: router)
    HealthController(gateway: gateway).addRoutes(to: router)
    AdminController(gateway: gateway).addRoutes(to: router)
    StatusController(gateway: gateway).addRoutes(to: router)
    return Application(
        router: router,
        // Chat requests are read and answered by a channel handler ahead of the router (the hot path);
        // the router's chat route answers the same way where that handler is not in the pipeline.
        server: .http1(configuration: .init(additionalChannelHandlers: [ChatCompletionsChannelHandler(gateway: gateway)])),
        // A deep accept queue (the kernel caps it at net.core.somaxconn): at Hummingbird's 256, a burst of
        // new clients on a busy gateway overflows it and their connections wait for SYN retransmits.
        configuration: .init(
            address: .hostname(gateway.settings.host, port: gateway.settings.port), serverName: "switchboard",
            backlog: 4_096),
        logger: gateway.logger)
}
