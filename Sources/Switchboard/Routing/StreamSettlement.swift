import Synchronization
import SwitchboardConfig

/// How a stream that has started ends, told exactly once: read to its clean end, broken by the upstream,
/// or left by its reader. A streamed request is only counted (its outcome, its attempt's class, its cost)
/// when this is known; counting it as a success when its first chunk arrived would call a stream the
/// upstream cut after two chunks an answered request.
///
/// A stream dropped without being read to an end (its reader went away) settles as `abandoned` when the
/// last reference to it goes.
final class StreamSettlement: Sendable {
    enum End: Sendable {
        /// Read to its end; the usage the upstream reported, and the whole answer when it was assembled.
        case finished(usage: Usage?, assembled: StreamAssembler?)
        /// The upstream failed after the start; `errorClass` is the rule that classified the failure.
        case interrupted(errorClass: String, failure: UpstreamFailure)
        /// The reader stopped reading before the end.
        case abandoned
    }

    private let settled = Mutex(false)
    private let rules: [ErrorRule]
    private let onEnd: @Sendable (End) -> Void
    /// Whether the answer must be assembled for `onEnd` (to fill the response cache).
    let assembles: Bool

    init(rules: [ErrorRule], assembles: Bool, onEnd: @escaping @Sendable (End) -> Void) {
        self.rules = rules
        self.assembles = assembles
        self.onEnd = onEnd
    }

    /// The error rule's name for a failure after the start (`timeout`, `connection_reset`, …).
    func errorClass(of failure: UpstreamFailure) -> String {
        (failure.classify(with: rules) ?? ErrorRule.builtInDefaults[ErrorRule.builtInDefaults.count - 1]).name
    }

    func settle(_ end: End) {
        let first = settled.withLock { settled in
            defer { settled = true }
            return !settled
        }
        if first { onEnd(end) }
    }

    deinit {
        if !settled.withLock({ $0 }) { onEnd(.abandoned) }
    }
}
