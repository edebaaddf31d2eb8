import SwitchboardConfig

/// What happened on the way to an answer: one entry per upstream call and per target or key skipped.
/// Keys appear only as their `pool#index` labels.
public struct AttemptTrace: Sendable, Hashable, CustomStringConvertible {
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public enum Outcome: Sendable, Hashable {
            case success
            /// The call failed; `errorClass` is the name of the rule that matched.
            case failure(errorClass: String, status: Int?)
            /// No call was made (no keys, every key cooling or disabled, attempts exhausted).
            case skipped
            /// No call was made because the provider's own limits (providers.yaml `limits:`) had no slot:
            /// `reason` is `queue_full`, `queue_timeout` or `queue_deadline`. Not a failure of any key.
            case limited(reason: String)
            /// No call was made because the target does not support what the request needs (`supports:`).
            case unsupported(missing: Set<Capability>)

            /// Whether an upstream call was made.
            public var isCall: Bool {
                switch self {
                case .success, .failure: return true
                case .skipped, .limited, .unsupported: return false
                }
            }
        }

        public var provider: String
        public var model: String?
        /// `pool#index`, or nil for keyless providers and skipped targets.
        public var key: String?
        /// 1-based position of the key among the keys tried for this target, and how many there were.
        public var keyPosition: Int?
        public var keyCount: Int?
        public var outcome: Outcome
        public var latency: Duration
        /// What the engine did next (nil after a success or a skip).
        public var action: ErrorAction?
        public var message: String

        /// The line ops know from the original integration:
        /// `Trying huggingface-router key 1/2 (huggingface#3) … rate limited (429) → next key`.
        public var description: String {
            var line = "Trying \(provider)"
            if let model { line += " [\(model)]" }
            if let keyPosition, let keyCount { line += " key \(keyPosition)/\(keyCount)" }
            if let key { line += " (\(key))" }
            line += " … "
            switch outcome {
            case .success:
                line += "ok (\(Self.milliseconds(latency)) ms)"
            case .failure(let errorClass, let status):
                line += errorClass.replacingOccurrences(of: "_", with: " ")
                if let status { line += " (\(status))" }
                if let action { line += " → " + action.rawValue.replacingOccurrences(of: "_", with: " ") }
                if !message.isEmpty { line += ": \(message)" }
            case .skipped:
                line += "skipped: \(message)"
            case .limited(let reason):
                line += "limited (\(reason)): \(message)"
            case .unsupported(let missing):
                line += "skipped: does not support \(missing.listed)"
            }
            return line
        }

        static func milliseconds(_ duration: Duration) -> Int {
            Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Upstream calls made (skips are not calls).
    public var attempts: Int { entries.count { $0.outcome.isCall } }

    /// How many targets the request failed over from: every target it called but the one that answered
    /// (all of them when none answered). A target passed over without a call — its keys cooling or
    /// missing, its provider's limits full, a capability it lacks — is not one: the request never depended
    /// on it. A request "failed over" when this is above 0; `/metrics` and the usage store both count so.
    public func failovers(answered: Bool) -> Int {
        var targets = 0
        var last: Entry?
        for entry in entries where entry.outcome.isCall {
            if last?.provider != entry.provider || last?.model != entry.model { targets += 1 }
            last = entry
        }
        return answered ? max(0, targets - 1) : targets
    }

    public var description: String { entries.map(\.description).joined(separator: "\n") }
}
