import Foundation
import Synchronization
import SwitchboardConfig

/// The live keys of one pool and their health, shared by every request.
///
/// A 401-style failure disables a key for the whole pool until the configuration is reloaded. Cooldowns
/// are scoped to the target (provider and model) that failed: a model that is loading, or a rate limit
/// on one endpoint, does not take the key away from the pool's other targets.
final class KeyRing: Sendable {
    enum Availability: Equatable {
        case usable
        case cooling(remaining: Duration)
        case disabled
    }

    /// Why a key cools down or was disabled, as operators read it ("Retry-After 30s (rate_limited, HTTP 429)").
    struct Reason: Sendable, Hashable {
        var text: String
        /// The upstream status that caused it, when there was one.
        var status: Int?
    }

    /// A key's state for one target, with the why and the when (the status page shows these).
    enum State: Sendable, Hashable {
        case ready
        case cooling(until: ContinuousClock.Instant, reason: Reason)
        case disabled(since: Date, reason: Reason)
    }

    let pool: KeyPool
    let keys: [ResolvedKey]
    let resolution: KeyResolution
    /// Where "now" comes from when a caller does not say.
    let clock: any EngineClock
    /// Told of every key this ring cools down or disables on its own account (not of state applied from
    /// another gateway, which that gateway already shared).
    let observer: (@Sendable (KeyHealthChange) -> Void)?
    private let health = Mutex(Health())

    private struct Health {
        /// Where each target's rotation starts next, by the slot `rotationSlot(for:)` gave it at load: per
        /// target, so that targets sharing the pool each go round all of its keys (one shared counter left
        /// each of two chained targets on one key).
        var next: [Int] = []
        var slots: [String: Int] = [:]
        var disabled: [Int: (since: Date, reason: Reason)] = [:]
        var coolingUntil: [Scope: (until: ContinuousClock.Instant, reason: Reason)] = [:]
        /// A key was disabled or cooled down since the last census.
        var changed = true
        /// When the soonest running cooldown ends (the census changes then too).
        var nextExpiry: ContinuousClock.Instant?
    }

    private struct Scope: Hashable {
        var target: String
        var key: Int
    }

    init(
        pool: KeyPool, environment: [String: String], clock: any EngineClock = SystemClock(),
        observer: (@Sendable (KeyHealthChange) -> Void)? = nil
    ) {
        self.pool = pool
        self.clock = clock
        self.observer = observer
        self.resolution = pool.resolve(in: environment)
        self.keys = resolution.keys
    }

    /// The rotation slot of `target` (its scope, `provider/model`), made once when routes are compiled so
    /// that a request finds its counter by index.
    func rotationSlot(for target: String) -> Int {
        health.withLock { state in
            if let slot = state.slots[target] { return slot }
            state.slots[target] = state.next.count
            state.next.append(0)
            return state.next.count - 1
        }
    }

    /// Key indices in the order this request should try them at the target holding `slot`: round-robin
    /// pools start one further on with every call to that target, ordered pools always start at the first key.
    func order(slot: Int) -> [Int] {
        guard !keys.isEmpty else { return [] }
        let start: Int
        switch pool.rotation {
        case .ordered:
            start = 0
        case .roundRobin:
            start = health.withLock { state in
                let start = state.next[slot]
                state.next[slot] = (start + 1) % keys.count
                return start
            }
        }
        return (0..<keys.count).map { (start + $0) % keys.count }
    }

    func availability(of key: Int, for target: String, now: ContinuousClock.Instant? = nil) -> Availability {
        let now = now ?? clock.now
        return health.withLock { state in
            if state.disabled[key] != nil { return .disabled }
            if let cooldown = state.coolingUntil[Scope(target: target, key: key)], cooldown.until > now {
                return .cooling(remaining: now.duration(to: cooldown.until))
            }
            return .usable
        }
    }

    /// The state of `key` for `target`, with why and since when.
    func state(of key: Int, for target: String, now: ContinuousClock.Instant? = nil) -> State {
        let now = now ?? clock.now
        return health.withLock { state in
            if let disabled = state.disabled[key] { return .disabled(since: disabled.since, reason: disabled.reason) }
            if let cooldown = state.coolingUntil[Scope(target: target, key: key)], cooldown.until > now {
                return .cooling(until: cooldown.until, reason: cooldown.reason)
            }
            return .ready
        }
    }

    /// Cools `key` down for `target`, never shortening a cooldown already running, never past the pool's
    /// cap. `report: false` applies state another gateway shared, without sharing it back.
    func coolDown(
        _ key: Int, for target: String, duration: Duration, reason: Reason, now: ContinuousClock.Instant? = nil,
        report: Bool = true
    ) {
        guard keys.indices.contains(key) else { return }
        let duration = min(duration, pool.maxCooldown)
        let until = (now ?? clock.now).advanced(by: duration)
        let applied = health.withLock { state in
            let scope = Scope(target: target, key: key)
            if let current = state.coolingUntil[scope], current.until >= until { return false }
            state.coolingUntil[scope] = (until, reason)
            state.changed = true
            return true
        }
        if applied, report, let observer {
            observer(KeyHealthChange(
                key: KeyReference(pool: pool.name, index: key), state: .cooling(scope: target, remaining: duration),
                reason: reason.text, status: reason.status))
        }
    }

    /// Takes `key` out of rotation for every target until the configuration is reloaded. The first
    /// reason stays: later failures of a disabled key do not happen (it is never called again).
    func disable(_ key: Int, reason: Reason, at time: Date = Date(), report: Bool = true) {
        guard keys.indices.contains(key) else { return }
        let applied = health.withLock { state in
            guard state.disabled[key] == nil else { return false }
            state.disabled[key] = (time, reason)
            state.changed = true
            return true
        }
        if applied, report, let observer {
            observer(KeyHealthChange(
                key: KeyReference(pool: pool.name, index: key), state: .disabled(since: time), reason: reason.text,
                status: reason.status))
        }
    }

    /// Puts a disabled key back in rotation (another gateway reloaded and gave it its second chance).
    func enable(_ key: Int) {
        health.withLock { state in
            guard state.disabled.removeValue(forKey: key) != nil else { return }
            state.changed = true
        }
    }

    /// The targets (`provider/model` scopes) that draw from this ring, in the order they were compiled.
    var scopes: [String] {
        health.withLock { state in state.slots.sorted { $0.value < $1.value }.map(\.key) }
    }

    /// Whether `other` is the same pool with the same keys, so that its health still applies.
    func isSamePool(as other: KeyRing) -> Bool {
        pool.name == other.pool.name && pool.variables == other.pool.variables && pool.prefix == other.pool.prefix
            && pool.rotation == other.pool.rotation && pool.maxCooldown == other.pool.maxCooldown
            && keys.map(\.value) == other.keys.map(\.value)
    }

    /// Takes over `other`'s running cooldowns (after a reload). Disabled keys are not carried over:
    /// a reload is their second chance.
    func inheritCooldowns(from other: KeyRing) {
        let cooling = other.health.withLock { $0.coolingUntil }
        health.withLock { state in
            state.coolingUntil = cooling
            state.changed = true
        }
    }

    /// Keys by state for one target: usable, cooling for that target, disabled.
    struct Census: Equatable {
        var healthy: Int
        var cooling: Int
        var disabled: Int
    }

    /// The census of every target drawing from the ring (cooldowns are per target, so a pool-wide count
    /// would call a key cooling while it answers another target).
    func census(now: ContinuousClock.Instant? = nil) -> [(scope: String, census: Census)] {
        let now = now ?? clock.now
        return health.withLock { Self.census(of: &$0, keyCount: keys.count, now: now) }
    }

    /// The census, only when it may differ from the last one taken: a key was disabled or cooled down,
    /// or a cooldown ended. Nil otherwise, so that the success path does no counting.
    func censusIfChanged(now: ContinuousClock.Instant? = nil) -> [(scope: String, census: Census)]? {
        let now = now ?? clock.now
        return health.withLock { state in
            let expired = state.nextExpiry.map { $0 <= now } ?? false
            guard state.changed || expired else { return nil }
            return Self.census(of: &state, keyCount: keys.count, now: now)
        }
    }

    private static func census(of state: inout Health, keyCount: Int, now: ContinuousClock.Instant)
        -> [(scope: String, census: Census)]
    {
        // Forget cooldowns that ended, so the table stays as small as the keys actually cooling.
        state.coolingUntil = state.coolingUntil.filter { $0.value.until > now }
        state.changed = false
        state.nextExpiry = state.coolingUntil.values.map(\.until).min()
        let disabled = state.disabled
        var coolingByScope: [String: Set<Int>] = [:]
        for scope in state.coolingUntil.keys where disabled[scope.key] == nil {
            coolingByScope[scope.target, default: []].insert(scope.key)
        }
        return state.slots.sorted { $0.value < $1.value }.map { scope, _ in
            let cooling = coolingByScope[scope]?.count ?? 0
            return (scope, Census(healthy: keyCount - cooling - disabled.count, cooling: cooling, disabled: disabled.count))
        }
    }
}
