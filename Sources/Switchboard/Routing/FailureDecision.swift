import SwitchboardConfig

/// What the engine does about one failed upstream call: the rule that classifies it, what happens next,
/// and what happens to the key. A pure function of the failure, the rules and the retries already made,
/// so every decision can be tested without a socket or a clock; the router carries it out.
struct FailureDecision: Equatable {
    enum KeyOutcome: Equatable {
        case keep
        /// Out of rotation for every target until a reload.
        case disable(KeyRing.Reason)
        /// Not used for the failing target for `duration` (capped by the pool's `max_cooldown`).
        case coolDown(Duration, KeyRing.Reason)
    }

    var rule: ErrorRule
    var action: ErrorAction
    var key: KeyOutcome

    /// The decision for `failure` after `retries` retries of the same key. An unmatched failure falls to
    /// the last built-in rule; `retry` becomes `next_target` once the rule's retries are spent.
    static func decide(_ failure: UpstreamFailure, rules: [ErrorRule], retries: Int) -> FailureDecision {
        let rule = failure.classify(with: rules) ?? ErrorRule.builtInDefaults[ErrorRule.builtInDefaults.count - 1]
        var action = rule.action
        if action == .retry && retries >= rule.retries { action = .nextTarget }
        return FailureDecision(rule: rule, action: action, key: keyOutcome(rule, failure))
    }

    /// The longest of what the rule says, what the upstream said (`Retry-After`) and the model's loading
    /// estimate, named after whichever decided it.
    private static func keyOutcome(_ rule: ErrorRule, _ failure: UpstreamFailure) -> KeyOutcome {
        let effect = rule.keyEffect
        if effect.disable { return .disable(KeyRing.Reason(text: rule.name, status: failure.status)) }
        var cooldown = effect.cooldown ?? .zero
        var why = "\(rule.name) cooldown"
        if effect.honorRetryAfter, let retryAfter = failure.retryAfter, retryAfter > cooldown {
            cooldown = retryAfter
            why = "Retry-After \(DurationParser.format(retryAfter)) (\(rule.name))"
        }
        if effect.cooldown != nil || effect.honorRetryAfter, let estimate = failure.estimatedRecovery, estimate > cooldown {
            cooldown = estimate
            why = "loading, estimated \(DurationParser.format(estimate)) (\(rule.name))"
        }
        guard cooldown > .zero else { return .keep }
        return .coolDown(cooldown, KeyRing.Reason(text: why, status: failure.status))
    }
}
