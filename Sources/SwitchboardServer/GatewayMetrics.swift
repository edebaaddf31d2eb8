import CoreMetrics
import Prometheus
import Switchboard

/// The Prometheus registry behind `/metrics`, and the factory the engine and the HTTP layer record into.
public struct GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let instruments: InstrumentCache
    public var factory: any MetricsFactory { instruments.factory }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.instruments = InstrumentCache(factory: PrometheusMetricsFactory(registry: registry))
    }

    func httpRequest(method: String, path: String, status: Int, duration: Duration) {
        instruments.counter("switchboard_http_requests_total", [("method", method), ("path", path), ("status", "\(status)")])
            .increment()
        instruments.timer("switchboard_http_request_duration_seconds", [("method", method), ("path", path)])
            .record(duration)
    }
}
