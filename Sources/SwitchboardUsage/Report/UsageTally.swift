/// Running totals per group while the records stream past.
public struct UsageTally {
    struct Group {
        var requests = 0
        var requestIDs: Set<String> = []
        var attempts = 0
        var successes = 0
        var latencies: [Double] = []
        var errors: [String: Int] = [:]
        var failedOver = 0
        var keyUsage: [String: Int] = [:]
        var tokensIn = 0
        var tokensOut = 0
        var cost = 0.0
        var costUnknown = 0

        /// Adds an answered request's spending: its tokens, and its cost or that its cost is unknown.
        mutating func addSpending(_ request: UsageRequestRecord) {
            tokensIn += request.tokensIn ?? 0
            tokensOut += request.tokensOut ?? 0
            guard request.succeeded else { return }
            if let cost = request.cost { self.cost += cost } else { costUnknown += 1 }
        }
    }

    let grouping: UsageGrouping
    var groups: [String: Group] = [:]
    /// For target groupings: each request's failover count, to tell which of a group's requests failed over.
    var failovers: [String: Int] = [:]

    public init(grouping: UsageGrouping) { self.grouping = grouping }

    /// Whether the window's attempts must be added before its requests: grouped by target, a request's
    /// spending goes to a group its attempts made. Grouped by route, requests come first.
    public var takesAttemptsFirst: Bool { grouping != .route }

    /// Adds a window's records in the order the grouping needs.
    public mutating func add(requests: some Sequence<UsageRequestRecord>, attempts: some Sequence<UsageAttemptRecord>) {
        if takesAttemptsFirst {
            for attempt in attempts { add(attempt) }
            for request in requests { add(request) }
        } else {
            for request in requests { add(request) }
            for attempt in attempts { add(attempt) }
        }
    }

    /// Adds one request (see `takesAttemptsFirst` for the order).
    public mutating func add(_ request: UsageRequestRecord) {
        if grouping == .route { addRequestByRoute(request) } else { addRequestByTarget(request) }
    }

    /// Adds one attempt (see `takesAttemptsFirst` for the order).
    public mutating func add(_ attempt: UsageAttemptRecord) {
        if grouping == .route { addAttemptByRoute(attempt) } else { addAttemptByTarget(attempt) }
    }

    // MARK: - By route: requests are the unit

    private mutating func addRequestByRoute(_ row: UsageRequestRecord) {
        let route = row.route
        let outcome = row.outcome
        // Requests refused before they reached a route (malformed, unknown model) share one row.
        groups[route.isEmpty ? UsageReport.none : route, default: Group()].apply { group in
            group.requests += 1
            group.latencies.append(row.latency.inMilliseconds)
            if outcome == UsageRequestRecord.success { group.successes += 1 } else { group.errors[outcome, default: 0] += 1 }
            if row.failovers > 0 { group.failedOver += 1 }
            group.addSpending(row)
        }
    }

    private mutating func addAttemptByRoute(_ row: UsageAttemptRecord) {
        guard UsageAttemptRecord.madeCall(row.outcome) else { return }
        let route = row.route
        let key = row.keyLabel ?? UsageReport.noKey
        groups[route, default: Group()].apply { group in
            group.attempts += 1
            group.keyUsage[key, default: 0] += 1
        }
    }

    // MARK: - By provider, model or key: attempts are the unit

    private mutating func addAttemptByTarget(_ row: UsageAttemptRecord) {
        let outcome = row.outcome
        let label = row.keyLabel
        // By key, a target passed over as a whole (its limits full, no usable key, a capability it
        // lacks) concerns no key: it is left out rather than mixed into the keyless calls' row.
        if grouping == .key, label == nil, !UsageAttemptRecord.madeCall(outcome) { return }
        let key = label ?? UsageReport.noKey
        let requestID = row.requestID
        let name: String =
            switch grouping {
            case .provider: row.provider
            case .model: row.model
            case .target: UsageGrouping.targetName(provider: row.provider, model: row.model)
            case .key, .route: key
            }
        groups[name, default: Group()].apply { group in
            group.requestIDs.insert(requestID)
            if !UsageAttemptRecord.madeCall(outcome) {
                group.errors[outcome, default: 0] += 1
                return
            }
            group.attempts += 1
            group.keyUsage[key, default: 0] += 1
            group.latencies.append(row.latency.inMilliseconds)
            if outcome == UsageAttemptRecord.success { group.successes += 1 } else { group.errors[outcome, default: 0] += 1 }
        }
    }

    private mutating func addRequestByTarget(_ row: UsageRequestRecord) {
        failovers[row.requestID] = row.failovers
        // Tokens count for the target that answered; a request that tried no target has none.
        guard let provider = row.provider else { return }
        let name: String =
            switch grouping {
            case .provider: provider
            case .model: row.model ?? UsageReport.none
            case .target: UsageGrouping.targetName(provider: provider, model: row.model)
            case .key, .route: row.keyLabel ?? UsageReport.noKey
            }
        groups[name]?.apply { group in group.addSpending(row) }
    }

    // MARK: - Result

    public func summaries() -> [UsageGroupSummary] {
        groups.map { name, group in
            let requests = grouping == .route ? group.requests : group.requestIDs.count
            let failedOver =
                grouping == .route ? group.failedOver : group.requestIDs.count { (failovers[$0] ?? 0) > 0 }
            let successBase = grouping == .route ? group.requests : group.attempts
            let latencies = group.latencies.sorted()
            return UsageGroupSummary(
                name: name, requests: requests, attempts: group.attempts, successes: group.successes,
                successRate: successBase > 0 ? Double(group.successes) / Double(successBase) : nil,
                latencyP50: UsageReport.percentile(0.5, ofSorted: latencies),
                latencyP95: UsageReport.percentile(0.95, ofSorted: latencies), errors: group.errors,
                failoverRate: requests > 0 ? Double(failedOver) / Double(requests) : nil, keyUsage: group.keyUsage,
                tokensIn: group.tokensIn, tokensOut: group.tokensOut, cost: group.cost, costUnknown: group.costUnknown)
        }
        .sorted { ($0.requests, $1.name) > ($1.requests, $0.name) }
    }
}

extension UsageTally.Group {
    /// Edits the group in place (`groups[name, default: …].apply { … }` avoids a copy per row).
    fileprivate mutating func apply(_ edit: (inout Self) -> Void) { edit(&self) }
}
