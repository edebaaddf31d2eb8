import CoreMetrics
import Synchronization

/// swift-metrics instruments made once per (label, dimension values) and kept: a factory call per
/// request takes the registry's lock and builds label strings, which showed on the overhead benchmark.
/// The engine and the HTTP layer both record through one of these.
package final class InstrumentCache: Sendable {
    /// Where instruments are made.
    package let factory: any MetricsFactory
    private let counters = Mutex<[Key: Counter]>([:])
    private let floatingCounters = Mutex<[Key: FloatingPointCounter]>([:])
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
        instrument(in: counters, label, dimensions) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    /// A counter of fractional amounts (money).
    package func floatingPointCounter(_ label: String, _ dimensions: [(String, String)]) -> FloatingPointCounter {
        instrument(in: floatingCounters, label, dimensions) {
            FloatingPointCounter(label: label, dimensions: dimensions, factory: factory)
        }
    }

    package func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        instrument(in: gauges, label, dimensions) { Gauge(label: label, dimensions: dimensions, factory: factory) }
    }

    /// A timer shown in seconds.
    package func timer(_ label: String, _ dimensions: [(String, String)]) -> Timer {
        instrument(in: timers, label, dimensions) {
            Timer(label: label, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        }
    }

    /// The cached instrument, or a new one made outside the lock (two racing callers make the same
    /// instrument; the factory hands both the same underlying metric).
    private func instrument<Instrument: Sendable>(
        in cache: borrowing Mutex<[Key: Instrument]>, _ label: String, _ dimensions: [(String, String)],
        make: () -> Instrument
    ) -> Instrument {
        let key = Key(label: label, values: dimensions.map(\.1))
        if let instrument = cache.withLock({ $0[key] }) { return instrument }
        let instrument = make()
        cache.withLock { $0[key] = instrument }
        return instrument
    }
}

extension Timer {
    /// Records a `Duration` (swift-metrics takes integer nanoseconds), clamped to `Int64.max` nanoseconds.
    package func record(_ duration: Duration) {
        let (seconds, overflow) = duration.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        recordNanoseconds(overflow ? .max : seconds &+ duration.components.attoseconds / 1_000_000_000)
    }
}
