import CoreMetrics
import Prometheus
import Switchboard

/// The Prometheus registry behind `/metrics`, and the factory the engine and the HTTP layer record into.
public struct GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: any MetricsFactory
    private let instruments: InstrumentCache

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        self.instruments = InstrumentCache(factory: factory)
    }

    func httpRequest(method: String, path: String, status: Int, duration: Duration) {
        instruments.counter("switchboard_http_requests_total", [("method", method), ("path", path), ("status", "\(status)")])
            .increment()
        instruments.timer("switchboard_http_request_duration_seconds", [("method", method), ("path", path)])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
