import Foundation
import GRDB

extension UsageStore {
    /// Summarises the requests and attempts recorded at or after `since`, of one route when `route` is set.
    ///
    /// Rows are filtered by their own time, so a request that straddles the window's start may show its
    /// later attempts without its request row (or the reverse). Figures are computed in Swift from the
    /// window's rows: exact percentiles, one pass over each table, through the time indexes.
    public func report(since: Date, by grouping: UsageGrouping, route: String? = nil) throws -> UsageReport {
        let filter = route == nil ? "time >= ?" : "time >= ? AND route = ?"
        var arguments: StatementArguments = [since.timeIntervalSince1970]
        if let route { arguments += [route] }
        let groups = try pool.read { db in
            let requests = try Row.fetchCursor(db, sql: """
                SELECT request_id, route, provider, model, key_label, outcome, latency_ms, failovers, tokens_in, tokens_out,
                    cost, cache_hit
                FROM usage_requests WHERE \(filter)
                """, arguments: arguments)
            let attempts = try Row.fetchCursor(db, sql: """
                SELECT request_id, route, provider, model, key_label, outcome, latency_ms
                FROM usage_attempts WHERE \(filter)
                """, arguments: arguments)
            var tally = Tally(grouping: grouping)
            if grouping == .route {
                try tally.addRequestsByRoute(requests)
                try tally.addAttemptsByRoute(attempts)
            } else {
                try tally.addAttemptsByTarget(attempts)
                try tally.addRequestsByTarget(requests)
            }
            return tally.summaries()
        }
        return UsageReport(since: since, grouping: grouping, groups: groups)
    }
}

/// Running totals per group while the rows stream past.
private struct Tally {
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
        mutating func addSpending(_ row: Row) {
            tokensIn += row["tokens_in"] as Int? ?? 0
            tokensOut += row["tokens_out"] as Int? ?? 0
            guard (row["outcome"] as String) == UsageRequestRecord.success else { return }
            if let cost = row["cost"] as Double? { self.cost += cost } else { costUnknown += 1 }
        }
    }

    let grouping: UsageGrouping
    var groups: [String: Group] = [:]
    /// For target groupings: each request's failover count, to tell which of a group's requests failed over.
    var failovers: [String: Int] = [:]

    init(grouping: UsageGrouping) { self.grouping = grouping }

    // MARK: - By route: requests are the unit

    mutating func addRequestsByRoute(_ rows: RowCursor) throws {
        while let row = try rows.next() {
            let route: String = row["route"]
            let outcome: String = row["outcome"]
            // Requests refused before they reached a route (malformed, unknown model) share one row.
            groups[route.isEmpty ? UsageReport.none : route, default: Group()].apply { group in
                group.requests += 1
                group.latencies.append(row["latency_ms"])
                if outcome == UsageRequestRecord.success { group.successes += 1 } else { group.errors[outcome, default: 0] += 1 }
                if (row["failovers"] as Int) > 0 { group.failedOver += 1 }
                group.addSpending(row)
            }
        }
    }

    mutating func addAttemptsByRoute(_ rows: RowCursor) throws {
        while let row = try rows.next() {
            guard UsageAttemptRecord.madeCall(row["outcome"]) else { continue }
            let route: String = row["route"]
            let key: String = row["key_label"] ?? UsageReport.noKey
            groups[route, default: Group()].apply { group in
                group.attempts += 1
                group.keyUsage[key, default: 0] += 1
            }
        }
    }

    // MARK: - By provider, model or key: attempts are the unit

    mutating func addAttemptsByTarget(_ rows: RowCursor) throws {
        while let row = try rows.next() {
            let outcome: String = row["outcome"]
            let label: String? = row["key_label"]
            // By key, a target passed over as a whole (its limits full, no usable key, a capability it
            // lacks) concerns no key: it is left out rather than mixed into the keyless calls' row.
            if grouping == .key, label == nil, !UsageAttemptRecord.madeCall(outcome) { continue }
            let key = label ?? UsageReport.noKey
            let requestID: String = row["request_id"]
            let name: String =
                switch grouping {
                case .provider: row["provider"]
                case .model: row["model"]
                case .target: UsageGrouping.targetName(provider: row["provider"], model: row["model"])
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
                group.latencies.append(row["latency_ms"])
                if outcome == UsageAttemptRecord.success { group.successes += 1 } else { group.errors[outcome, default: 0] += 1 }
            }
        }
    }

    mutating func addRequestsByTarget(_ rows: RowCursor) throws {
        while let row = try rows.next() {
            failovers[row["request_id"]] = row["failovers"]
            // Tokens count for the target that answered; a request that tried no target has none.
            guard let provider: String = row["provider"] else { continue }
            let name: String =
                switch grouping {
                case .provider: provider
                case .model: row["model"] ?? UsageReport.none
                case .target: UsageGrouping.targetName(provider: provider, model: row["model"])
                case .key, .route: row["key_label"] ?? UsageReport.noKey
                }
            groups[name]?.apply { group in group.addSpending(row) }
        }
    }

    // MARK: - Result

    func summaries() -> [UsageGroupSummary] {
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

extension Tally.Group {
    /// Edits the group in place (`groups[name, default: …].apply { … }` avoids a copy per row).
    fileprivate mutating func apply(_ edit: (inout Self) -> Void) { edit(&self) }
}
