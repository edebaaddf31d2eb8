import CoreMetrics
import Prometheus

/// The Prometheus registry behind `/metrics`, and the factory the engine and the HTTP layer record into.
public struct GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: any MetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    func httpRequest(method: String, path: String, status: Int, duration: Duration) {
        let dimensions = [("method", method), ("path", path), ("status", "\(status)")]
        Counter(label: "switchboard_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "switchboard_http_request_duration_seconds", dimensions: [("method", method), ("path", path)],
              preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
