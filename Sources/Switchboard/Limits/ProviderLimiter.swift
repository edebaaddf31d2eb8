import SwitchboardConfig
import Synchronization

/// The in-flight limits of one provider (in total and per key) and its FIFO wait queue.
///
/// A request asks for a slot with the keys it could use, in the order it prefers them; it gets the first
/// key with room. When the provider or every one of those keys is full, it waits — if the queue has room
/// and waiting `max_wait` still ends before the route's deadline — for the first slot that frees, or
/// is refused at once. A waiter whose task is cancelled leaves the queue at once; one whose `max_wait`
/// passes leaves it with `queueTimeout`. Waiters are served in arrival order among those a freed slot
/// fits (a waiter for a busy key does not hold up one whose key is free).
///
/// One limiter lives as long as its provider is configured: a reload hands it to the new engine with the
/// new limits, so requests still running on the old engine keep counting.
final class ProviderLimiter: Sendable {
    /// Why a request got no slot.
    enum Refusal: String, Sendable, CaseIterable {
        /// The queue was full (or has no places: `queue_size: 0`).
        case queueFull = "queue_full"
        /// The request waited `max_wait` without getting a slot.
        case queueTimeout = "queue_timeout"
        /// Waiting `max_wait` would pass the route's deadline, so the request did not wait.
        case queueDeadline = "queue_deadline"
        /// The request's task was cancelled while it waited (the client went away).
        case cancelled
    }

    enum Admission: Sendable {
        case granted(LimitLease)
        case refused(Refusal)
    }

    let provider: String
    /// When waits end.
    private let clock: any EngineClock
    private let state: Mutex<State>

    private struct State {
        var limits: ProviderLimits
        var metrics: EngineMetrics?
        var inFlight = 0
        var inFlightByKey: [String: Int] = [:]
        /// In arrival order.
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private struct Waiter {
        var id: Int
        var keys: [String?]
        var continuation: CheckedContinuation<Admission, Never>
        var timer: Task<Void, Never>
    }

    init(provider: String, limits: ProviderLimits, metrics: EngineMetrics? = nil, clock: any EngineClock = SystemClock()) {
        self.provider = provider
        self.clock = clock
        self.state = Mutex(State(limits: limits, metrics: metrics))
    }

    /// Requests holding a slot, and requests waiting for one.
    var counts: (inFlight: Int, waiting: Int) { state.withLock { ($0.inFlight, $0.waiters.count) } }

    /// Requests holding a slot and waiting, with the limits they are held to (the status page).
    var occupancy: LimiterStatus {
        state.withLock { state in
            LimiterStatus(
                inFlight: state.inFlight, waiting: state.waiters.count, maxInFlight: state.limits.maxInFlight,
                queueSize: state.limits.queueSize)
        }
    }

    /// Slots held on `key`.
    func inFlight(key: String) -> Int { state.withLock { $0.inFlightByKey[key] ?? 0 } }

    /// The longest a request may wait here, as a hint for when to try again.
    var maxWait: Duration { state.withLock { $0.limits.maxWait } }

    /// A slot on the first of `keys` with room (nil entries stand for "no key"), waiting for one when
    /// the limits allow it, never past `deadline`.
    func acquire(keys: [String?], deadline: ContinuousClock.Instant) async -> Admission {
        let first: (admission: Admission?, id: Int) = state.withLock { state in
            if let admission = admitAtOnce(keys: keys, deadline: deadline, state: &state) { return (admission, 0) }
            state.nextID += 1
            return (nil, state.nextID)
        }
        if let admission = first.admission { return admission }
        let id = first.id
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Admission, Never>) in
                let waitEnd = clock.now.advanced(by: maxWait)
                let timer = Task { [weak self, clock] in
                    try? await clock.sleep(until: waitEnd)
                    if !Task.isCancelled { self?.leave(id, because: .queueTimeout) }
                }
                // Everything may have changed since the first look: decide again, under the same lock
                // that a release, a timeout or a cancellation takes.
                let decided: Admission? = state.withLock { state in
                    if Task.isCancelled { return .refused(.cancelled) }
                    // The timer may have fired before the waiter was in the queue to be found.
                    if clock.now >= waitEnd { return .refused(.queueTimeout) }
                    if let admission = admitAtOnce(keys: keys, deadline: deadline, state: &state) { return admission }
                    state.waiters.append(Waiter(id: id, keys: keys, continuation: continuation, timer: timer))
                    report(state)
                    return nil
                }
                if let decided {
                    timer.cancel()
                    continuation.resume(returning: decided)
                }
            }
        } onCancel: {
            leave(id, because: .cancelled)
        }
    }

    /// Applies new limits (a reload); nil lifts them. Waiters that now fit are served at once.
    func update(limits: ProviderLimits?, metrics: EngineMetrics?) {
        let granted = state.withLock { state in
            state.limits = limits ?? ProviderLimits()
            if let metrics { state.metrics = metrics }
            return dispatch(&state)
        }
        for (waiter, lease) in granted { waiter.continuation.resume(returning: .granted(lease)) }
    }

    /// Gives back the slot a lease held on `key` and hands it (or any slot now free) to the queue.
    func release(key: String?) {
        let granted = state.withLock { state in
            if state.inFlight > 0 { state.inFlight -= 1 }
            if let key, let count = state.inFlightByKey[key] {
                state.inFlightByKey[key] = count > 1 ? count - 1 : nil
            }
            return dispatch(&state)
        }
        for (waiter, lease) in granted { waiter.continuation.resume(returning: .granted(lease)) }
    }

    // MARK: - Under the lock

    /// A grant or a refusal that needs no waiting; nil when the request should queue.
    private func admitAtOnce(keys: [String?], deadline: ContinuousClock.Instant, state: inout State) -> Admission? {
        // No waiter fits a free slot whenever the lock is let go (every release serves the queue first),
        // so a slot free now overtakes nobody.
        if let key = freeKey(in: keys, state) { return .granted(take(key, &state)) }
        if state.waiters.count >= state.limits.queueSize { return .refused(.queueFull) }
        if clock.now.advanced(by: state.limits.maxWait) >= deadline { return .refused(.queueDeadline) }
        return nil
    }

    /// The first of `keys` with room, when the provider has room; `.some(nil)` for "no key".
    private func freeKey(in keys: [String?], _ state: State) -> String?? {
        if let limit = state.limits.maxInFlight, state.inFlight >= limit { return nil }
        for key in keys {
            guard let key, let limit = state.limits.maxInFlightPerKey else { return .some(key) }
            if state.inFlightByKey[key, default: 0] < limit { return .some(key) }
        }
        return nil
    }

    private func take(_ key: String?, _ state: inout State) -> LimitLease {
        state.inFlight += 1
        if let key { state.inFlightByKey[key, default: 0] += 1 }
        report(state)
        return LimitLease(limiter: self, key: key)
    }

    /// Serves waiters in arrival order while slots fit them; the caller resumes them outside the lock.
    private func dispatch(_ state: inout State) -> [(Waiter, LimitLease)] {
        var granted: [(Waiter, LimitLease)] = []
        var index = 0
        while index < state.waiters.count {
            if let limit = state.limits.maxInFlight, state.inFlight >= limit { break }
            guard let key = freeKey(in: state.waiters[index].keys, state) else {
                index += 1
                continue
            }
            let waiter = state.waiters.remove(at: index)
            waiter.timer.cancel()
            granted.append((waiter, take(key, &state)))
        }
        if granted.isEmpty { report(state) }
        return granted
    }

    /// Takes waiter `id` out of the queue (timed out or cancelled); nothing if it was served already.
    private func leave(_ id: Int, because refusal: Refusal) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = state.waiters.remove(at: index)
            report(state)
            return waiter
        }
        guard let waiter else { return }
        waiter.timer.cancel()
        waiter.continuation.resume(returning: .refused(refusal))
    }

    private func report(_ state: State) {
        state.metrics?.limiter(provider: provider, inFlight: state.inFlight, waiting: state.waiters.count)
    }
}
