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

    let pool: KeyPool
    let keys: [ResolvedKey]
    let resolution: KeyResolution
    private let state = Mutex(State())

    private struct State {
        /// Where each target's rotation starts next, by the slot `rotationSlot(for:)` gave it at load: per
        /// target, so that targets sharing the pool each go round all of its keys (one shared counter left
        /// each of two chained targets on one key).
        var next: [Int] = []
        var slots: [String: Int] = [:]
        var disabled: Set<Int> = []
        var coolingUntil: [Scope: ContinuousClock.Instant] = [:]
        /// A key was disabled or cooled down since the last census.
        var changed = true
        /// When the soonest running cooldown ends (the census changes then too).
        var nextExpiry: ContinuousClock.Instant?
    }

    private struct Scope: Hashable {
        var target: String
        var key: Int
    }

    init(pool: KeyPool, environment: [String: String]) {
        self.pool = pool
        self.resolution = pool.resolve(in: environment)
        self.keys = resolution.keys
    }

    /// The rotation slot of `target` (its scope, `provider/model`), made once when routes are compiled so
    /// that a request finds its counter by index.
    func rotationSlot(for target: String) -> Int {
        state.withLock { state in
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
            start = state.withLock { state in
                let start = state.next[slot]
                state.next[slot] = (start + 1) % keys.count
                return start
            }
        }
        return (0..<keys.count).map { (start + $0) % keys.count }
    }

    func availability(of key: Int, for target: String, now: ContinuousClock.Instant = .now) -> Availability {
        state.withLock { state in
            if state.disabled.contains(key) { return .disabled }
            if let until = state.coolingUntil[Scope(target: target, key: key)], until > now {
                return .cooling(remaining: now.duration(to: until))
            }
            return .usable
        }
    }

    /// Cools `key` down for `target`, never shortening a cooldown already running, never past the pool's cap.
    func coolDown(_ key: Int, for target: String, duration: Duration, now: ContinuousClock.Instant = .now) {
        let until = now.advanced(by: min(duration, pool.maxCooldown))
        state.withLock { state in
            let scope = Scope(target: target, key: key)
            if let current = state.coolingUntil[scope], current >= until { return }
            state.coolingUntil[scope] = until
            state.changed = true
        }
    }

    func disable(_ key: Int) {
        state.withLock { state in
            if state.disabled.insert(key).inserted { state.changed = true }
        }
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
        let cooling = other.state.withLock { $0.coolingUntil }
        state.withLock { state in
            state.coolingUntil = cooling
            state.changed = true
        }
    }

    /// Counts for the key-state gauge: healthy, cooling (for some target) and disabled keys.
    func census(now: ContinuousClock.Instant = .now) -> (healthy: Int, cooling: Int, disabled: Int) {
        state.withLock { Self.census(of: &$0, keyCount: keys.count, now: now) }
    }

    /// The census, only when it may differ from the last one taken: a key was disabled or cooled down,
    /// or a cooldown ended. Nil otherwise, so that the success path does no counting.
    func censusIfChanged(now: ContinuousClock.Instant = .now) -> (healthy: Int, cooling: Int, disabled: Int)? {
        state.withLock { state in
            let expired = state.nextExpiry.map { $0 <= now } ?? false
            guard state.changed || expired else { return nil }
            return Self.census(of: &state, keyCount: keys.count, now: now)
        }
    }

    private static func census(of state: inout State, keyCount: Int, now: ContinuousClock.Instant)
        -> (healthy: Int, cooling: Int, disabled: Int)
    {
        // Forget cooldowns that ended, so the table stays as small as the keys actually cooling.
        state.coolingUntil = state.coolingUntil.filter { $0.value > now }
        let disabled = state.disabled
        let cooling = Set(state.coolingUntil.keys.map(\.key).filter { !disabled.contains($0) })
        state.changed = false
        state.nextExpiry = state.coolingUntil.values.min()
        return (keyCount - cooling.count - state.disabled.count, cooling.count, state.disabled.count)
    }
}
