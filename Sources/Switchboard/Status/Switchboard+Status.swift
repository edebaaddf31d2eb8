import Foundation
import SwitchboardConfig

extension Switchboard {
    /// Every route in file order, each target with its state and its keys' states now: what the status
    /// page shows. `now` and `wallNow` are the same moment on the engine's clock and the calendar.
    public func status(now: ContinuousClock.Instant? = nil, wallNow: Date = Date()) -> [RouteStatus] {
        let now = now ?? clock.now
        return configuration.routes.compactMap { route in
            guard let compiled = compiledRoute(named: route.name) else { return nil }
            return RouteStatus(name: route.name, targets: compiled.targets.map {
                Self.status(of: $0, now: now, wallNow: wallNow)
            })
        }
    }

    static func status(of target: CompiledTarget, now: ContinuousClock.Instant, wallNow: Date) -> TargetStatus {
        func date(_ instant: ContinuousClock.Instant) -> Date {
            let remaining = now.duration(to: instant)
            return wallNow.addingTimeInterval(
                Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18)
        }
        var keys: [KeyStatus] = []
        if let ring = target.keyRing {
            keys = ring.keys.indices.map { index in
                let state: KeyStatus.State
                switch ring.state(of: index, for: target.scope, now: now) {
                case .ready: state = .ready
                case .cooling(let until, let reason): state = .cooling(until: date(until), reason: reason.text, status: reason.status)
                case .disabled(let since, let reason): state = .disabled(since: since, reason: reason.text, status: reason.status)
                }
                return KeyStatus(label: ring.keys[index].label, state: state)
            }
        }
        let limiter = target.limiter?.occupancy
        let state: TargetStatus.State
        if let ring = target.keyRing, ring.keys.isEmpty {
            state = .noKeys(variables: ring.pool.variables)
        } else if !keys.isEmpty, !keys.contains(where: { $0.state == .ready }) {
            let cooling = keys.compactMap { key -> (until: Date, reason: String)? in
                if case .cooling(let until, let reason, _) = key.state { return (until, reason) }
                return nil
            }
            if let soonest = cooling.min(by: { $0.until < $1.until }) {
                state = .cooling(until: soonest.until, reason: soonest.reason)
            } else {
                state = .disabled
            }
        } else if limiter?.isFull == true {
            state = .limited
        } else {
            state = .ready
        }
        return TargetStatus(
            provider: target.provider.name, displayName: target.displayName, model: target.model,
            priority: target.target.priority, usesNetwork: target.declaration.usesNetwork, state: state, keys: keys,
            limiter: limiter, price: target.price, capabilities: target.capabilities.set.sorted())
    }
}
