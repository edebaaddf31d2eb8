import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import Switchboard
import SwitchboardConfig
import SwitchboardState
import SwitchboardUsage

/// The engine the server answers with. Held behind a lock so that a reload can swap it while requests
/// already running finish on the engine they started with.
public final class Gateway: Sendable {
    /// Where the configuration is re-read from on reload, and what a reload builds with.
    public struct Source: Sendable {
        public var path: String
        public var registry: AdapterRegistry
        public var environment: [String: String]
        /// Shared by every engine the gateway installs, so swapping engines never closes connections
        /// that requests in flight are using.
        public var httpClient: HTTPClient

        public init(path: String, registry: AdapterRegistry = .builtIn, environment: [String: String], httpClient: HTTPClient) {
            self.path = path
            self.registry = registry
            self.environment = environment
            self.httpClient = httpClient
        }
    }

    /// What a reload did.
    public struct ReloadOutcome: Sendable {
        public var applied: Bool
        /// Lint errors (when refused) or warnings (when applied), or the reason the engine could not be built.
        public var diagnostics: [Diagnostic]
        public var message: String
    }

    private let current: Mutex<Switchboard>
    public let settings: GatewaySettings
    let source: Source?
    let logger: Logger
    let metrics: GatewayMetrics
    /// Where every chat request and attempt is recorded (providers.yaml's `usage:`); nil records nothing.
    public let usage: UsageRecorder?
    /// Key state and usage shared with the other replicas (providers.yaml's `state:`); nil keeps both local.
    public let sharedState: SharedState?
    /// The last hour of requests in memory, minute by minute, for the status page.
    public let live: LiveUsage
    /// When the gateway started (the status page's "since").
    public let started = Date()
    /// What the background health checks found last, per key and model.
    public let health = HealthFindings()
    private let inFlight = Mutex<[String: Int]>([:])
    /// One reload at a time.
    private let reloading = Mutex(false)

    public init(
        engine: Switchboard, settings: GatewaySettings, source: Source? = nil, logger: Logger, metrics: GatewayMetrics,
        usage: UsageRecorder? = nil, live: LiveUsage = LiveUsage(), sharedState: SharedState? = nil
    ) {
        self.usage = usage
        self.sharedState = sharedState
        self.live = live
        self.current = Mutex(engine)
        self.settings = settings
        self.source = source
        self.logger = logger
        self.metrics = metrics
        sharedState?.attach { [weak self] in self?.engine }
    }

    /// Re-reads the configuration. It is linted first: with errors, the running configuration keeps
    /// serving and the diagnostics come back. Requests in flight finish on the engine they started with;
    /// key cooldowns carry over for pools that did not change.
    public func reload() -> ReloadOutcome {
        guard let source else {
            return ReloadOutcome(applied: false, diagnostics: [], message: "this gateway has no configuration file to reload")
        }
        let busy = reloading.withLock { busy in
            defer { busy = true }
            return busy
        }
        if busy { return ReloadOutcome(applied: false, diagnostics: [], message: "a reload is already running") }
        defer { reloading.withLock { $0 = false } }

        let report = Linter(catalog: source.registry.catalog).lint(file: source.path)
        let errors = report.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let configuration = report.configuration else {
            for error in errors {
                logger.error("reload refused: \(source.path):\(error.location): \(error.message) [\(error.rule.rawValue)]")
            }
            return ReloadOutcome(
                applied: false, diagnostics: errors,
                message: "\(source.path) has \(errors.count) error(s); the running configuration keeps serving")
        }
        do {
            let engine = try Switchboard(
                configuration: configuration, registry: source.registry, environment: source.environment,
                httpClient: source.httpClient, logger: logger, metricsFactory: metrics.factory, replacing: self.engine)
            let previous = replaceEngine(with: engine)
            sharedState?.engineReplaced(reloaded: true)
            if configuration.state != previous.configuration.state {
                logger.warning("state: in \(source.path) changed: the shared-state connection changes at the next restart")
            }
            let warnings = report.diagnostics.filter { $0.severity == .warning }
            logger.notice("configuration reloaded", metadata: ["file": "\(source.path)", "warnings": "\(warnings.count)"])
            return ReloadOutcome(applied: true, diagnostics: warnings, message: "reloaded \(source.path)")
        } catch {
            logger.error("reload refused: \(error)")
            return ReloadOutcome(
                applied: false, diagnostics: [], message: "\(error); the running configuration keeps serving")
        }
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

    /// Hands a finished request to every usage sink: the status page's live windows, the SQLite
    /// recorder and the replicas' shared log. None of them waits.
    func recordUsage(_ request: UsageRequestRecord, attempts: [UsageAttemptRecord]) {
        live.record(request, attempts: attempts)
        usage?.record(request, attempts: attempts)
        sharedState?.record(request, attempts: attempts)
    }

    /// The background health probes' latest findings, for the status page.
    func probeFindings() -> [StatusSnapshot.ProbeFinding] {
        health.all.map { .init(subject: $0.subject, provider: $0.provider, result: $0.result, detail: $0.detail, at: $0.at) }
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
