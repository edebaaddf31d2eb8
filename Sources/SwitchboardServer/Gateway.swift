import Foundation
import Logging
import Synchronization
import Switchboard

/// The engine the server answers with. Held behind a lock so that a reload can swap it while requests
/// already running finish on the engine they started with.
public final class Gateway: Sendable {
    private let current: Mutex<Switchboard>
    public let settings: GatewaySettings
    let logger: Logger
    let metrics: GatewayMetrics
    private let inFlight = Mutex<[String: Int]>([:])

    public init(engine: Switchboard, settings: GatewaySettings, logger: Logger, metrics: GatewayMetrics) {
        self.current = Mutex(engine)
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    public var engine: Switchboard { current.withLock { $0 } }

    /// Installs a new engine; returns the old one for the caller to shut down once idle.
    public func replaceEngine(with engine: Switchboard) -> Switchboard {
        current.withLock { current in
            let old = current
            current = engine
            return old
        }
    }

    /// Takes a concurrency slot for `token`; false when the token already has its maximum in flight.
    func enter(token: String) -> Bool {
        inFlight.withLock { counts in
            let count = counts[token, default: 0]
            guard count < settings.maxConcurrentRequestsPerToken else { return false }
            counts[token] = count + 1
            return true
        }
    }

    func leave(token: String) {
        inFlight.withLock { counts in
            let count = counts[token, default: 1] - 1
            counts[token] = count > 0 ? count : nil
        }
    }
}
