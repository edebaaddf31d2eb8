import Logging
import ServiceLifecycle
import Switchboard
import SwitchboardConfig

/// Runs the background health checks of `serve`: each provider with `health_check:` is probed when the
/// gateway starts and then every `interval` (one call per key per interval), on the engine serving at
/// that moment, so a reload's new keys and intervals apply from the next round.
public struct HealthCheckService<C: Clock>: Service where C.Duration == Duration {
    let gateway: Gateway
    let clock: C
    /// How soon to look again when no provider has health checks (a reload may add some).
    let idlePoll: Duration

    public init(gateway: Gateway, clock: C, idlePoll: Duration = .seconds(30)) {
        self.gateway = gateway
        self.clock = clock
        self.idlePoll = idlePoll
    }

    public func run() async throws {
        var schedule = HealthCheckSchedule<C.Instant>()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let next = await round(&schedule, now: clock.now)
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: next, tolerance: nil) }
            } catch {
                return
            }
        }
    }

    /// Probes every provider that is due at `now` and returns when the next one is.
    func round(_ schedule: inout HealthCheckSchedule<C.Instant>, now: C.Instant) async -> C.Instant {
        let engine = gateway.engine
        let checks = engine.healthChecks
        for provider in schedule.due(checks: checks, now: now) {
            let findings = await engine.healthCheck(provider: provider)
            gateway.health.record(findings)
            for finding in findings where ["invalid", "not_found"].contains(finding.result) {
                gateway.logger.warning("health check", metadata: [
                    "provider": "\(finding.provider)", "subject": "\(finding.subject)",
                    "result": "\(finding.detail ?? finding.result)",
                ])
            }
        }
        return schedule.next(checks: checks, now: now) ?? now.advanced(by: idlePoll)
    }
}

/// When each provider's next health check is due: at once the first time it is seen, then every
/// `interval` after the last one (never more often, whatever the clock does).
struct HealthCheckSchedule<Instant: InstantProtocol> where Instant.Duration == Duration {
    private var dueAt: [String: Instant] = [:]

    /// The providers due at `now`, in configuration order; each is then scheduled `interval` later.
    mutating func due(checks: [(provider: String, check: HealthCheck)], now: Instant) -> [String] {
        var due: [String] = []
        for (provider, check) in checks where dueAt[provider].map({ $0 <= now }) ?? true {
            due.append(provider)
            dueAt[provider] = now.advanced(by: check.interval)
        }
        // Providers no longer checked (a reload removed them) are forgotten.
        let current = Set(checks.map(\.provider))
        dueAt = dueAt.filter { current.contains($0.key) }
        return due
    }

    /// The soonest due time, nil when nothing is checked.
    func next(checks: [(provider: String, check: HealthCheck)], now: Instant) -> Instant? {
        checks.compactMap { dueAt[$0.provider] }.min()
    }
}
