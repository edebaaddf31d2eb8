import Foundation
import SwitchboardConfig

extension Switchboard {
    /// Providers with `health_check:`, and how often to probe each.
    public var healthChecks: [(provider: String, check: HealthCheck)] {
        configuration.providers.compactMap { provider in
            guard let check = provider.healthCheck, usesNetwork(provider: provider.name) else { return nil }
            return (provider.name, check)
        }
    }

    /// One round of health checks of `provider`: each key probed once, with the models of its targets.
    /// A key the provider refuses (401/403) is disabled before a user request finds out; a rate-limited
    /// key cools down for the provider's targets as its `Retry-After` says. A probe never lifts a
    /// cooldown or re-enables a key: only time and a reload do that.
    public func healthCheck(provider name: String, at time: Date = Date()) async -> [HealthFinding] {
        let targets = configuration.routes.compactMap { compiledRoute(named: $0.name) }
            .flatMap(\.targets).filter { $0.provider.name == name && $0.declaration.usesNetwork }
        guard let target = targets.first else { return [] }
        let models = targets.compactMap(\.model).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let timeout = target.provider.healthCheck?.timeout ?? HealthCheck.defaultTimeout
        let probes = await Self.probeKeys(of: target, models: models, timeout: timeout)
        var findings: [HealthFinding] = []
        var modelsDone: Set<String> = []
        for (index, label, outcome) in probes {
            metrics.probe(provider: name, result: outcome.key.name)
            if let label {
                findings.append(HealthFinding(
                    subject: label, provider: name, result: outcome.key.name, detail: outcome.key.description, at: time))
            }
            if let index, let ring = target.keyRing { apply(outcome.key, key: index, ring: ring, targets: targets) }
            for (model, verdict) in outcome.models.sorted(by: { $0.key < $1.key }) where !modelsDone.contains(model) {
                if case .unknown = verdict { continue }
                modelsDone.insert(model)
                findings.append(HealthFinding(
                    subject: model, provider: name, result: verdict.name, detail: verdict.description, at: time))
            }
        }
        return findings
    }

    private func apply(_ verdict: ProbeOutcome.KeyVerdict, key index: Int, ring: KeyRing, targets: [CompiledTarget]) {
        switch verdict {
        case .invalid(let status):
            ring.disable(index, reason: KeyRing.Reason(text: "health probe: key refused", status: status))
        case .rateLimited(let retryAfter?):
            for target in targets {
                ring.coolDown(
                    index, for: target.scope, duration: retryAfter,
                    reason: KeyRing.Reason(text: "health probe: Retry-After \(DurationParser.format(retryAfter))", status: 429))
            }
        default:
            break
        }
        metrics.keyState(ring)
    }

    private func usesNetwork(provider name: String) -> Bool {
        configuration.routes.compactMap { compiledRoute(named: $0.name) }.flatMap(\.targets)
            .contains { $0.provider.name == name && $0.declaration.usesNetwork }
    }
}
