import Synchronization
import Switchboard

/// The latest finding of the background health checks for each key and model, for the status page.
public final class HealthFindings: Sendable {
    private let latest = Mutex<[String: HealthFinding]>([:])

    public init() {}

    public func record(_ findings: [HealthFinding]) {
        latest.withLock { latest in
            for finding in findings { latest[finding.provider + "\u{0}" + finding.subject] = finding }
        }
    }

    /// By provider, then subject.
    public var all: [HealthFinding] {
        latest.withLock { Array($0.values) }.sorted { ($0.provider, $0.subject) < ($1.provider, $1.subject) }
    }
}
