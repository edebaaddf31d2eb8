import CoreMetrics
import Switchboard

/// The link to the state database on `/metrics`.
struct SharedStateMetrics: Sendable {
    private let instruments: InstrumentCache

    init(factory: (any MetricsFactory)?) {
        instruments = InstrumentCache(factory: factory ?? MetricsSystem.factory)
    }

    func connected(_ up: Bool) {
        instruments.gauge("switchboard_state_connected", []).record(up ? 1 : 0)
    }

    func connectionFailed() {
        instruments.counter("switchboard_state_connection_failures_total", []).increment()
    }

    func keyChange(received: Bool) {
        instruments.counter("switchboard_state_key_changes_total", [("direction", received ? "received" : "sent")]).increment()
    }

    func usageWritten(_ count: Int) {
        instruments.counter("switchboard_state_usage_records_total", [("result", "written")]).increment(by: count)
    }

    func usageDropped(_ count: Int) {
        instruments.counter("switchboard_state_usage_records_total", [("result", "dropped")]).increment(by: count)
    }
}
