import CoreMetrics
import Synchronization

/// swift-metrics instruments made once per (label, dimension values) and kept: a factory call per
/// request takes the registry's lock and builds label strings, which showed on the overhead benchmark.
/// The engine and the HTTP layer both record through one of these.
package final class InstrumentCache: Sendable {
    /// Where instruments are made.
    package let factory: any MetricsFactory
    private let counters = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[Key: Timer]>([:])
    private let gauges = Mutex<[Key: Gauge]>([:])

    private struct Key: Hashable {
        var label: String
        var values: [String]
    }

    package init(factory: any MetricsFactory) {
        self.factory = factory
    }

    package func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = Key(label: label, values: dimensions.map(\.1))
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = Counter(label: label, dimensions: dimensions, factory: factory)
        counters.withLock { $0[key] = counter }
        return counter
    }

    package func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        let key = Key(label: label, values: dimensions.map(\.1))
        if let gauge = gauges.withLock({ $0[key] }) { return gauge }
        let gauge = Gauge(label: label, dimensions: dimensions, factory: factory)
        gauges.withLock { $0[key] = gauge }
        return gauge
    }

    /// A timer shown in seconds.
    package func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
        let key = Key(label: label, values: dimensions.map(\.1))
        if let timer = timers.withLock({ $0[key] }) { return timer }
        let timer = Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        timers.withLock { $0[key] = timer }
        return timer
    }
}
