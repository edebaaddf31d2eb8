import Foundation
import Logging
import SwitchboardConfig

extension Switchboard {
    /// Probes every key of every provider the routes use (`routes`: all when nil) and every target's
    /// model: one probe call per key and provider, none for offline targets. Nothing is applied to the
    /// keys (see `healthCheck(provider:)` for that).
    public func probe(routes names: [String]? = nil, timeout: Duration = .seconds(10)) async -> ProbeReport {
        let selected = configuration.routes.filter { names?.contains($0.name) ?? true }
        let compiled = selected.compactMap { compiledRoute(named: $0.name) }
        // Each provider once, with every model its targets in these routes name.
        var providers: [(target: CompiledTarget, models: [String])] = []
        for route in compiled {
            for target in route.targets where target.declaration.usesNetwork {
                if let index = providers.firstIndex(where: { $0.target.provider.name == target.provider.name }) {
                    if let model = target.model, !providers[index].models.contains(model) { providers[index].models.append(model) }
                } else {
                    providers.append((target, target.model.map { [$0] } ?? []))
                }
            }
        }
        var keyFindings: [ProbeReport.KeyFinding] = []
        var modelVerdicts: [String: [String: ProbeOutcome.ModelVerdict]] = [:]
        var usableKeys: [String: Int] = [:]
        await withTaskGroup(of: (String, [KeyProbe]).self) { group in
            for (target, models) in providers {
                group.addTask {
                    let outcomes = await Self.probeKeys(of: target, models: models, timeout: timeout)
                    return (target.provider.name, outcomes)
                }
            }
            for await (provider, outcomes) in group {
                var verdicts: [String: ProbeOutcome.ModelVerdict] = [:]
                for (_, label, outcome) in outcomes {
                    if let label { keyFindings.append(.init(label: label, provider: provider, verdict: outcome.key)) }
                    if outcome.key.isUsable { usableKeys[provider, default: 0] += 1 }
                    // The first key that could check a model decides it.
                    for (model, verdict) in outcome.models where verdicts[model] == nil || verdicts[model]?.name == "unknown" {
                        verdicts[model] = verdict
                    }
                }
                modelVerdicts[provider] = verdicts
            }
        }
        keyFindings.sort { ($0.provider, $0.label) < ($1.provider, $1.label) }
        var targetFindings: [ProbeReport.TargetFinding] = []
        var routeFindings: [ProbeReport.RouteFinding] = []
        for route in compiled {
            var working = 0
            for target in route.targets {
                let finding = Self.finding(
                    route: route.route.name, target: target, verdicts: modelVerdicts[target.provider.name] ?? [:],
                    usableKeys: usableKeys[target.provider.name] ?? 0)
                if finding.working { working += 1 }
                targetFindings.append(finding)
            }
            routeFindings.append(.init(route: route.route.name, workingTargets: working, targets: route.targets.count))
        }
        return ProbeReport(keys: keyFindings, targets: targetFindings, routes: routeFindings)
    }

    /// A key's probe: its index in the pool and label (nil for a keyless provider), and the outcome.
    typealias KeyProbe = (index: Int?, label: String?, outcome: ProbeOutcome)

    /// Each key of `target`'s pool probed in turn; a keyless provider is probed once.
    static func probeKeys(of target: CompiledTarget, models: [String], timeout: Duration) async -> [KeyProbe] {
        let logger = Logger(label: "switchboard.probe")
        guard let ring = target.keyRing else {
            let outcome = await target.adapter.probe(ProbeCall(
                key: nil, models: models, deadline: .now.advanced(by: timeout), logger: logger))
            return [(nil, nil, outcome)]
        }
        var outcomes: [KeyProbe] = []
        // Models are checked with the first key that works: one check each, not one per key.
        var unchecked = models
        for (index, key) in ring.keys.enumerated() {
            let outcome = await target.adapter.probe(ProbeCall(
                key: key, models: unchecked, deadline: .now.advanced(by: timeout), logger: logger))
            if outcome.key == .valid { unchecked = [] }
            outcomes.append((index, key.label, outcome))
        }
        return outcomes
    }

    private static func finding(
        route: String, target: CompiledTarget, verdicts: [String: ProbeOutcome.ModelVerdict], usableKeys: Int
    ) -> ProbeReport.TargetFinding {
        guard target.declaration.usesNetwork else {
            return .init(route: route, provider: target.provider.name, model: target.model, verdict: .available, working: true)
        }
        let verdict = target.model.flatMap { verdicts[$0] } ?? .unknown("no key could check it")
        var problem: String?
        if let ring = target.keyRing, ring.keys.isEmpty {
            problem = "no keys (set " + ring.pool.variables.joined(separator: ", ") + ")"
        } else if usableKeys == 0 {
            problem = target.keyRing == nil ? "the provider did not answer" : "no valid key"
        } else if !verdict.isUsable {
            problem = "the model is not there"
        }
        return .init(
            route: route, provider: target.provider.name, model: target.model, verdict: verdict, working: problem == nil,
            problem: problem)
    }
}
