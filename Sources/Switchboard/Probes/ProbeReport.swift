import Foundation

/// What `switchboard probe` (and one round of background health checks) found: every key against each
/// provider that uses it, every target's model, and whether each route still has a working target.
/// Keys appear only as `pool#index`.
public struct ProbeReport: Sendable, Hashable {
    public struct KeyFinding: Sendable, Hashable {
        public var label: String
        public var provider: String
        public var verdict: ProbeOutcome.KeyVerdict
    }

    public struct TargetFinding: Sendable, Hashable {
        public var route: String
        public var provider: String
        public var model: String?
        public var verdict: ProbeOutcome.ModelVerdict
        /// Whether a request could be answered here: a usable key (or none needed) and a usable model.
        public var working: Bool
        /// Why not, when it is not working.
        public var problem: String?
    }

    public struct RouteFinding: Sendable, Hashable {
        public var route: String
        public var workingTargets: Int
        public var targets: Int
        public var working: Bool { workingTargets > 0 }
    }

    public var keys: [KeyFinding]
    public var targets: [TargetFinding]
    public var routes: [RouteFinding]

    /// Whether every route has at least one working target.
    public var allRoutesWork: Bool { routes.allSatisfy(\.working) }
}
