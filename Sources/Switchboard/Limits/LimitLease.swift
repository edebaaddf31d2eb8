import Synchronization

/// One request's slot at a provider (and on one of its keys), given by a `ProviderLimiter`.
///
/// Releasing is idempotent: whichever path lets go first (the attempt's end, the router after a failure,
/// a stream's end) frees the slot, the others do nothing. A lease dropped without being released frees
/// its slot when it is deallocated, so no path can leak one.
final class LimitLease: Sendable {
    /// The key label the slot is for; nil for a provider without keys.
    let key: String?
    private let limiter: ProviderLimiter
    private let released = Atomic(false)

    init(limiter: ProviderLimiter, key: String?) {
        self.limiter = limiter
        self.key = key
    }

    /// Frees the slot, once.
    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        limiter.release(key: key)
    }

    var isReleased: Bool { released.load(ordering: .acquiring) }

    deinit { release() }
}
