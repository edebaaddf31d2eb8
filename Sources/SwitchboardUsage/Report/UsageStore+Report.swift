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
            var tally = UsageTally(grouping: grouping)
            let addRequests = {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT request_id, time, route, provider, model, key_label, outcome, status, latency_ms, attempts,
                        failovers, tokens_in, tokens_out, cost, cache_hit, streaming
                    FROM usage_requests WHERE \(filter)
                    """, arguments: arguments)
                while let row = try rows.next() { tally.add(Self.requestRecord(row)) }
            }
            let addAttempts = {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT request_id, time, route, provider, model, key_label, outcome, upstream_status, latency_ms
                    FROM usage_attempts WHERE \(filter)
                    """, arguments: arguments)
                while let row = try rows.next() { tally.add(Self.attemptRecord(row)) }
            }
            if tally.takesAttemptsFirst {
                try addAttempts()
                try addRequests()
            } else {
                try addRequests()
                try addAttempts()
            }
            return tally.summaries()
        }
        return UsageReport(since: since, grouping: grouping, groups: groups)
    }

    private static func requestRecord(_ row: Row) -> UsageRequestRecord {
        UsageRequestRecord(
            requestID: row["request_id"], time: Date(timeIntervalSince1970: row["time"]), route: row["route"],
            provider: row["provider"], model: row["model"], keyLabel: row["key_label"], outcome: row["outcome"],
            status: row["status"], latency: .milliseconds(row["latency_ms"] as Double), attempts: row["attempts"],
            failovers: row["failovers"], tokensIn: row["tokens_in"], tokensOut: row["tokens_out"], cost: row["cost"],
            cacheHit: row["cache_hit"], streaming: row["streaming"])
    }

    private static func attemptRecord(_ row: Row) -> UsageAttemptRecord {
        UsageAttemptRecord(
            requestID: row["request_id"], time: Date(timeIntervalSince1970: row["time"]), route: row["route"],
            provider: row["provider"], model: row["model"], keyLabel: row["key_label"], outcome: row["outcome"],
            upstreamStatus: row["upstream_status"], latency: .milliseconds(row["latency_ms"] as Double))
    }
}
