import SwitchboardConfig
import Testing

@testable import Switchboard

/// The router's decision for a failed call, as a pure function: which rule, what next, what happens to
/// the key. No socket, no clock.
@Suite struct FailureDecisionTests {
    static let defaults = ErrorRule.builtInDefaults

    static func http(_ status: Int, body: String = "", retryAfter: Duration? = nil, estimate: Duration? = nil) -> UpstreamFailure {
        UpstreamFailure(.http(status: status), message: "HTTP \(status)", body: body, retryAfter: retryAfter,
                        estimatedRecovery: estimate)
    }

    @Test func aRateLimitCoolsTheKeyForItsRetryAfterAndMovesToTheNextKey() {
        let decision = FailureDecision.decide(Self.http(429, retryAfter: .seconds(120)), rules: Self.defaults, retries: 0)
        #expect(decision.rule.name == "rate_limited")
        #expect(decision.action == .nextKey)
        #expect(decision.key == .coolDown(.seconds(120), KeyRing.Reason(text: "Retry-After 2m (rate_limited)", status: 429)))
    }

    @Test func aRetryAfterShorterThanTheRulesCooldownLeavesTheRuleInCharge() {
        let rule = ErrorRule(
            name: "slow_down", match: .http(statuses: StatusSet(codes: [429]), bodyContains: nil), action: .nextKey,
            keyEffect: KeyEffect(cooldown: .seconds(60), honorRetryAfter: true))
        let decision = FailureDecision.decide(Self.http(429, retryAfter: .seconds(5)), rules: [rule], retries: 0)
        #expect(decision.key == .coolDown(.seconds(60), KeyRing.Reason(text: "slow_down cooldown", status: 429)))
    }

    @Test func aLoadingEstimateLengthensTheCooldown() {
        let rule = ErrorRule(
            name: "model_loading", match: .http(statuses: StatusSet(codes: [503]), bodyContains: "is currently loading"),
            action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(10)))
        let failure = Self.http(503, body: "Model x is currently loading", estimate: .seconds(40))
        let decision = FailureDecision.decide(failure, rules: [rule] + Self.defaults, retries: 0)
        #expect(decision.rule.name == "model_loading")
        #expect(decision.key == .coolDown(.seconds(40), KeyRing.Reason(text: "loading, estimated 40s (model_loading)", status: 503)))
    }

    @Test func anUnauthorizedKeyIsDisabled() {
        let decision = FailureDecision.decide(Self.http(401), rules: Self.defaults, retries: 0)
        #expect(decision.rule.name == "unauthorized")
        #expect(decision.key == .disable(KeyRing.Reason(text: "unauthorized", status: 401)))
    }

    @Test func retriesRunOutIntoTheNextTarget() {
        let rule = ErrorRule(
            name: "flaky", match: .http(statuses: StatusSet(codes: [500]), bodyContains: nil), action: .retry, retries: 2)
        #expect(FailureDecision.decide(Self.http(500), rules: [rule], retries: 0).action == .retry)
        #expect(FailureDecision.decide(Self.http(500), rules: [rule], retries: 1).action == .retry)
        #expect(FailureDecision.decide(Self.http(500), rules: [rule], retries: 2).action == .nextTarget)
    }

    @Test func theFirstMatchingRuleWinsAndTransportFailuresHaveTheirOwn() {
        let mine = ErrorRule(name: "mine", match: .http(statuses: StatusSet(codes: [503]), bodyContains: nil), action: .fail)
        #expect(FailureDecision.decide(Self.http(503), rules: [mine] + Self.defaults, retries: 0).rule.name == "mine")
        #expect(FailureDecision.decide(Self.http(503), rules: Self.defaults, retries: 0).rule.name == "unavailable")
        let timeout = FailureDecision.decide(.transport(.timeout, "slow"), rules: Self.defaults, retries: 0)
        #expect(timeout.rule.name == "timeout" && timeout.action == .nextTarget && timeout.key == .keep)
        let reset = FailureDecision.decide(.transport(.connectionReset, "cut"), rules: Self.defaults, retries: 0)
        #expect(reset.rule.name == "connection_error")
    }

    @Test func aFailureNoRuleMatchesFallsToTheLastDefault() {
        let decision = FailureDecision.decide(.malformed("not JSON"), rules: [], retries: 0)
        #expect(decision.rule == Self.defaults[Self.defaults.count - 1])
    }
}
