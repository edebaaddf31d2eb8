import Logging
import SwitchboardConfig

/// The failover loop: targets in priority order, keys in rotation, each failure classified by the
/// error rules and acted on, under the route's deadline and attempt budget.
struct Router: Sendable {
    let routes: [String: CompiledRoute]
    let rules: [ErrorRule]
    let metrics: EngineMetrics
    /// Where attempt deadlines are timed.
    let timers: EventLoopTimers
    /// What "now" is for deadlines, cooldowns and backoffs.
    let clock: any EngineClock

    /// One upstream call to a target with a key, bounded by `deadline`, holding `lease` (the provider's
    /// slot, when it has limits). The router releases the lease when the attempt fails; on success the
    /// attempt's own code does: a plain answer when it returns, a stream when the stream ends.
    typealias Attempt<T> = @Sendable (CompiledTarget, AdapterCall, LimitLease?) async throws(UpstreamFailure) -> T

    struct Success<T> {
        var value: T
        var target: CompiledTarget
        var trace: AttemptTrace
    }

    /// Runs `request` down route `name`, from its target at `startIndex` on (0: the whole chain).
    ///
    /// `settlesLater`: the answer is a stream, which is only an answer once it has been read to its end,
    /// so the request's outcome and the answering attempt are left for the caller to count then
    /// (`StreamSettlement`); failures before the start are counted here as always.
    func run<T: Sendable>(
        route name: String, startingAt startIndex: Int = 0, request: ChatRequest, settlesLater: Bool = false,
        attempt: @escaping Attempt<T>
    ) async throws(SwitchboardError) -> Success<T> {
        guard let route = routes[name] else {
            throw SwitchboardError(
                .unknownRoute, "no route named '\(name)'; routes: \(routes.keys.sorted().joined(separator: ", "))",
                route: name)
        }
        var run = RouteRun(
            route: route, startIndex: startIndex, request: request, rules: rules, metrics: metrics, timers: timers,
            clock: clock, countsSuccess: !settlesLater)
        do throws(SwitchboardError) {
            let success = try await run.execute(attempt)
            if settlesLater { return success }
            metrics.request(route: name, outcome: "success")
            if success.trace.failovers(answered: true) > 0 { metrics.failover(route: name) }
            return success
        } catch {
            metrics.request(route: name, outcome: error.kind.rawValue)
            // A request its caller abandoned did not fail over: nobody was waiting for the next target.
            if error.kind != .cancelled && error.trace.failovers(answered: false) > 0 { metrics.failover(route: name) }
            throw error
        }
    }
}

/// The state of one request going down one route.
private struct RouteRun {
    let route: CompiledRoute
    let startIndex: Int
    let request: ChatRequest
    let rules: [ErrorRule]
    let metrics: EngineMetrics
    let timers: EventLoopTimers
    let clock: any EngineClock
    /// Whether the answering attempt is counted in the metrics when it returns (not for streams).
    let countsSuccess: Bool
    let deadline: ContinuousClock.Instant
    var trace = AttemptTrace()
    var attempts = 0
    /// One line per target that did not answer, for the final error.
    var summaries: [String] = []
    var sawOnlyRateLimits = true
    var shortestRetryAfter: Duration?
    /// Targets skipped by their provider's limits, and the soonest one of them may have a slot again.
    var limitedTargets = 0
    var soonestSlot: Duration?
    var deadlinePassed = false
    /// The route's logger, its metadata set once at load.
    var logger: Logger { route.logger }

    init(
        route: CompiledRoute, startIndex: Int, request: ChatRequest, rules: [ErrorRule], metrics: EngineMetrics,
        timers: EventLoopTimers, clock: any EngineClock, countsSuccess: Bool
    ) {
        self.countsSuccess = countsSuccess
        self.clock = clock
        self.route = route
        self.startIndex = startIndex
        self.request = request
        self.rules = rules
        self.metrics = metrics
        self.timers = timers
        self.deadline = clock.now.advanced(by: route.route.policy.deadline)
    }

    private var policy: RoutePolicy { route.route.policy }

    mutating func execute<T: Sendable>(_ attempt: @escaping Router.Attempt<T>) async throws(SwitchboardError) -> Router.Success<T> {
        let needs = request.requiredCapabilities
        var ruledOut: [String] = []
        var triedOne = false
        for (index, target) in route.targets.enumerated() where index >= startIndex {
            // A target that cannot serve what the request needs is passed over without a call: sending it
            // a request stripped of its tools or images would be a silent downgrade.
            let missing = needs.subtracting(target.capabilities)
            if !missing.isEmpty {
                unsupported(target, missing: missing.set)
                ruledOut.append("\(target.provider.name)" + (target.model.map { " [\($0)]" } ?? "")
                                + " supports \(target.capabilities.set.listed)")
                continue
            }
            triedOne = true
            try stopIfCancelled()
            if let value = try await tryTarget(target, attempt) {
                return Router.Success(value: value, target: target, trace: trace)
            }
        }
        if !triedOne {
            throw SwitchboardError(
                .unsupportedCapability,
                "no target of route '\(route.route.name)' supports what the request needs "
                    + "(\(needs.set.subtracting([.text]).listed)): " + ruledOut.joined(separator: "; "),
                route: route.route.name, trace: trace)
        }
        // The last target may have been cut short by the deadline itself.
        if clock.now >= deadline { deadlinePassed = true }
        throw finalError()
    }

    /// Tries one target with each usable key in turn. Nil means "move on to the next target".
    private mutating func tryTarget<T: Sendable>(
        _ target: CompiledTarget, _ attempt: @escaping Router.Attempt<T>
    ) async throws(SwitchboardError) -> T? {
        let keys: [(index: Int, key: ResolvedKey)?]
        if let ring = target.keyRing {
            if ring.keys.isEmpty {
                sawOnlyRateLimits = false
                skip(target, "No \(target.displayName) API keys available: set one of "
                     + ring.pool.variables.joined(separator: ", "))
                return nil
            }
            var usable: [(index: Int, key: ResolvedKey)?] = []
            var reasons: [String] = []
            for index in ring.order(slot: target.rotationSlot) {
                let key = ring.keys[index]
                switch ring.availability(of: index, for: target.scope) {
                case .usable: usable.append((index, key))
                case .disabled:
                    reasons.append("\(key.label) disabled")
                    sawOnlyRateLimits = false
                case .cooling(let remaining):
                    reasons.append("\(key.label) cooling \(DurationParser.format(.seconds(max(1, remaining.components.seconds))))")
                    noteRetryAfter(remaining)
                }
            }
            if usable.isEmpty {
                skip(target, "every \(target.displayName) key is unusable (" + reasons.sorted().joined(separator: ", ") + ")")
                return nil
            }
            keys = usable
        } else {
            keys = [nil]
        }

        var lastFailure: UpstreamFailure?
        // Keys not called yet, in rotation order; a limited provider may hand them out in another order
        // (the first key with a free slot).
        var pending = keys
        // The key being retried (a `retry` action keeps the key), and its 0-based position among the keys called.
        var current: (entry: (index: Int, key: ResolvedKey)?, position: Int)?
        var retries = 0
        // Keys actually called: a failure that moves on to the next target ends the loop early.
        var keysTried = 0
        keyLoop: while true {
            try stopIfCancelled()
            let makesCall = target.declaration.usesNetwork
            // Offline adapters make no upstream call, so neither the deadline nor the budget holds them back.
            if makesCall {
                if clock.now >= deadline {
                    deadlinePassed = true
                    throw finalError()
                }
                if attempts >= policy.maxAttempts {
                    sawOnlyRateLimits = false
                    skip(target, "the route's budget of \(policy.maxAttempts) upstream attempts is spent")
                    return nil
                }
            }
            let candidates = current.map { [$0.entry] } ?? pending
            guard !candidates.isEmpty else { break keyLoop }
            var entry = candidates[0]
            var lease: LimitLease?
            if let limiter = target.limiter {
                switch await limiter.acquire(keys: candidates.map { $0?.key.label }, deadline: deadline) {
                case .granted(let granted):
                    lease = granted
                    entry = candidates.first { $0?.key.label == granted.key } ?? entry
                case .refused(.cancelled):
                    throw SwitchboardError(
                        .cancelled, "the request was cancelled while it waited for a slot at \(target.provider.name)",
                        route: route.route.name, trace: trace)
                case .refused(let refusal):
                    limited(target, refusal, limiter: limiter)
                    return nil
                }
            }
            let position: Int
            if let current {
                position = current.position
            } else {
                position = keysTried
                keysTried += 1
                pending.removeAll { $0?.index == entry?.index }
                retries = 0
            }
            if makesCall { attempts += 1 }
            let now = clock.now
            let budget = makesCall
                ? min(policy.attemptTimeout, target.provider.timeouts.request, now.duration(to: deadline))
                : policy.attemptTimeout
            // The attempt's own timers (the HTTP client's, the first-token wait) run on the wall clock, so
            // its deadline is a wall-clock instant `budget` away, whatever clock the route's deadline is on.
            let attemptDeadline = ContinuousClock.now.advanced(by: budget)
            let call = AdapterCall(
                request: request.applying(target.target), target: target.target, key: entry?.key,
                deadline: attemptDeadline, logger: logger)
            logger.debug("attempt", metadata: [
                "provider": "\(target.provider.name)", "model": "\(target.model ?? "-")", "key": "\(entry?.key.label ?? "-")",
            ])
            let started = clock.now
            do throws(UpstreamFailure) {
                // Offline adapters answer locally; racing them against a clock would only add failures
                // when the machine is busy. Adapters that keep their deadlines need no race either.
                let value = target.needsDeadlineRace
                    ? try await withDeadline(attemptDeadline, timers: timers) { [lease] () async throws(UpstreamFailure) -> T in
                        try await attempt(target, call, lease)
                    }
                    : try await attempt(target, call, lease)
                let latency = started.duration(to: clock.now)
                record(target, key: entry?.key, position: position, count: keys.count, outcome: .success,
                       latency: latency, action: nil, message: "")
                if countsSuccess {
                    metrics.attempt(target: target, key: entry?.key.label, errorClass: "success", latency: latency)
                }
                // Debug, not info: a line per request costs more than the rest of the gateway's work
                // (bench/overhead.sh); per-request records belong in metrics and the usage store.
                logger.debug("answered", metadata: [
                    "provider": "\(target.provider.name)", "model": "\(target.model ?? "-")",
                    "key": "\(entry?.key.label ?? "-")", "attempts": "\(trace.attempts)",
                ])
                return value
            } catch {
                // The attempt lets go of its slot when it ends; this covers an attempt cut off by the deadline.
                lease?.release()
                let latency = started.duration(to: clock.now)
                // The caller went away: the attempt failed because it was stopped, not because of its key,
                // and no other target is wanted.
                if Task.isCancelled {
                    record(target, key: entry?.key, position: position, count: keys.count,
                           outcome: .failure(errorClass: "cancelled", status: nil), latency: latency, action: nil,
                           message: "the caller was cancelled")
                    metrics.attempt(target: target, key: entry?.key.label, errorClass: "cancelled", latency: latency)
                    throw cancelled()
                }
                lastFailure = error
                let decision = FailureDecision.decide(error, rules: rules, retries: retries)
                let rule = decision.rule
                let action = decision.action
                if let entry, let ring = target.keyRing { apply(decision.key, key: entry.index, ring: ring, target: target) }
                noteFailure(rule, error)
                record(target, key: entry?.key, position: position, count: keys.count,
                       outcome: .failure(errorClass: rule.name, status: error.status), latency: latency,
                       action: action, message: error.message)
                metrics.attempt(target: target, key: entry?.key.label, errorClass: rule.name, latency: latency)
                logger.info("attempt failed", metadata: [
                    "provider": "\(target.provider.name)", "model": "\(target.model ?? "-")",
                    "key": "\(entry?.key.label ?? "-")", "class": "\(rule.name)", "action": "\(action.rawValue)",
                ])
                switch action {
                case .nextKey:
                    current = nil
                    continue keyLoop
                case .nextTarget:
                    break keyLoop
                case .fail:
                    throw SwitchboardError(
                        .rejected,
                        "\(target.displayName) rejected the request (\(rule.name)): \(error.message); "
                            + "other targets would reject it too, so the route stops here",
                        route: route.route.name, trace: trace, upstreamStatus: error.status)
                case .retry:
                    retries += 1
                    current = (entry, position)
                    let delay = policy.backoff.delay(beforeRetry: retries)
                    if clock.now.advanced(by: delay) >= deadline {
                        deadlinePassed = true
                        throw finalError()
                    }
                    do {
                        try await clock.sleep(for: delay)
                    } catch {
                        throw cancelled()
                    }
                }
            }
        }
        summaries.append(summary(target, keysTried: keysTried, lastFailure: lastFailure))
        return nil
    }

    // MARK: - Keys

    private func apply(_ outcome: FailureDecision.KeyOutcome, key: Int, ring: KeyRing, target: CompiledTarget) {
        switch outcome {
        case .keep:
            break
        case .disable(let reason):
            ring.disable(key, reason: reason)
            logger.warning("key disabled until the configuration is reloaded", metadata: [
                "key": "\(ring.keys[key].label)", "class": "\(reason.text)",
            ])
        case .coolDown(let duration, let reason):
            ring.coolDown(key, for: target.scope, duration: duration, reason: reason)
        }
    }

    // MARK: - Trace and errors

    private mutating func record(
        _ target: CompiledTarget, key: ResolvedKey?, position: Int?, count: Int?, outcome: AttemptTrace.Entry.Outcome,
        latency: Duration, action: ErrorAction?, message: String
    ) {
        trace.entries.append(AttemptTrace.Entry(
            provider: target.provider.name, model: target.model, key: key?.label,
            keyPosition: key == nil ? nil : position.map { $0 + 1 }, keyCount: key == nil ? nil : count,
            outcome: outcome, latency: latency, action: action, message: message))
    }

    private mutating func skip(_ target: CompiledTarget, _ reason: String) {
        record(target, key: nil, position: nil, count: nil, outcome: .skipped, latency: .zero, action: nil, message: reason)
        summaries.append("\(target.provider.name): \(reason)")
        logger.debug("target skipped", metadata: ["provider": "\(target.provider.name)", "reason": "\(reason)"])
    }

    /// A target that cannot serve what the request needs: no call, no key, no cooldown.
    private mutating func unsupported(_ target: CompiledTarget, missing: Set<Capability>) {
        record(target, key: nil, position: nil, count: nil, outcome: .unsupported(missing: missing), latency: .zero,
               action: nil, message: "does not support \(missing.listed)")
        summaries.append("\(target.provider.name): does not support \(missing.listed)")
        for capability in missing {
            metrics.capabilitySkip(route: route.route.name, target: target, capability: capability)
        }
        logger.debug("target skipped", metadata: [
            "provider": "\(target.provider.name)", "model": "\(target.model ?? "-")",
            "reason": "does not support \(missing.listed)",
        ])
    }

    /// A target whose provider had no slot for the request: not a failure of any key, so no cooldown
    /// and no rule; the chain moves on.
    private mutating func limited(_ target: CompiledTarget, _ refusal: ProviderLimiter.Refusal, limiter: ProviderLimiter) {
        let reason: String
        switch refusal {
        case .queueFull: reason = "\(target.displayName) is at its concurrency limit and its queue is full"
        case .queueTimeout:
            reason = "no slot at \(target.displayName) within its max_wait of \(DurationParser.format(limiter.maxWait))"
        case .queueDeadline:
            reason = "\(target.displayName) is at its concurrency limit and waiting "
                + "\(DurationParser.format(limiter.maxWait)) would pass the route's deadline"
        case .cancelled: reason = "the request was cancelled while it waited"
        }
        record(target, key: nil, position: nil, count: nil, outcome: .limited(reason: refusal.rawValue), latency: .zero,
               action: nil, message: reason)
        summaries.append("\(target.provider.name): \(reason)")
        metrics.limited(provider: target.provider.name, reason: refusal.rawValue)
        limitedTargets += 1
        soonestSlot = min(soonestSlot ?? limiter.maxWait, limiter.maxWait)
        logger.info("target limited", metadata: [
            "provider": "\(target.provider.name)", "model": "\(target.model ?? "-")", "class": "\(refusal.rawValue)",
        ])
    }

    private mutating func noteFailure(_ rule: ErrorRule, _ failure: UpstreamFailure) {
        if failure.status == 429 || rule.name == "rate_limited" {
            noteRetryAfter(failure.retryAfter ?? rule.keyEffect.cooldown ?? .seconds(1))
        } else {
            sawOnlyRateLimits = false
        }
    }

    private mutating func noteRetryAfter(_ duration: Duration) {
        shortestRetryAfter = min(shortestRetryAfter ?? duration, duration)
    }

    /// The messages ops know: "All HuggingFace Router API keys failed" when more than one key was
    /// tried (whatever the last one answered: a 401 then a 503 is still every key failing),
    /// "Model unavailable" when the one call made answered 503.
    private func summary(_ target: CompiledTarget, keysTried: Int, lastFailure: UpstreamFailure?) -> String {
        let name = target.provider.name + (target.model.map { " [\($0)]" } ?? "")
        guard let lastFailure else { return "\(name): no answer" }
        if target.keyRing != nil && keysTried > 1 {
            return "\(name): All \(target.displayName) API keys failed (last: \(lastFailure.message))"
        }
        if lastFailure.status == 503 { return "\(name): Model unavailable (\(lastFailure.message))" }
        return "\(name): \(lastFailure.message)"
    }

    private func stopIfCancelled() throws(SwitchboardError) {
        if Task.isCancelled { throw cancelled() }
    }

    private func cancelled() -> SwitchboardError {
        SwitchboardError(
            .cancelled, "the request was cancelled after \(trace.attempts) upstream attempt(s); no further target was tried",
            route: route.route.name, trace: trace)
    }

    private func finalError() -> SwitchboardError {
        let routeName = route.route.name
        let details = summaries.joined(separator: "; ")
        if deadlinePassed {
            return SwitchboardError(
                .deadlineExceeded,
                "route '\(routeName)' found no answer within its \(DurationParser.format(policy.deadline)) deadline"
                    + (details.isEmpty ? "" : ": \(details)"),
                route: routeName, trace: trace)
        }
        if limitedTargets > 0 {
            // A rate-limited or cooling target may come back sooner than a slot frees.
            let retryAfter = max(.seconds(1), min(soonestSlot ?? .seconds(1), shortestRetryAfter ?? .seconds(3_600)))
            return SwitchboardError(
                .overloaded, "no target of route '\(routeName)' can take the request now: \(details)",
                route: routeName, trace: trace, retryAfter: retryAfter)
        }
        if sawOnlyRateLimits, let retryAfter = shortestRetryAfter {
            return SwitchboardError(
                .rateLimited, "every target of route '\(routeName)' is rate limited: \(details)",
                route: routeName, trace: trace, retryAfter: retryAfter)
        }
        return SwitchboardError(
            .unavailable, "every target of route '\(routeName)' failed: \(details)", route: routeName, trace: trace)
    }
}

extension Router {
    /// Whether some target of some route could be tried right now.
    var hasUsableTarget: Bool {
        routes.values.contains { route in
            route.targets.contains { target in
                guard let ring = target.keyRing else { return true }
                return ring.keys.indices.contains { ring.availability(of: $0, for: target.scope) == .usable }
            }
        }
    }
}
