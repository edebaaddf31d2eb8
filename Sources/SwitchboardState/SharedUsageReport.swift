import Foundation
import Logging
import PostgresNIO
import SwitchboardUsage

/// `switchboard usage` over the shared log: every replica's records, the same figures as the SQLite store.
public enum SharedUsageReport {
    /// Connects, reports and disconnects. Throws when the database cannot be reached.
    public static func report(
        endpoint: PostgresEndpoint, since: Date, by grouping: UsageGrouping, route: String? = nil, logger: Logger
    ) async throws -> UsageReport {
        let connection = try await PostgresConnection.connect(
            configuration: endpoint.connectionConfiguration(connectTimeout: .seconds(10)), id: 1, logger: logger)
        do {
            let report = try await report(on: connection, since: since, by: grouping, route: route, logger: logger)
            try? await connection.close()
            return report
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func report(
        on connection: PostgresConnection, since: Date, by grouping: UsageGrouping, route: String?, logger: Logger
    ) async throws -> UsageReport {
        try await SharedStateSchema.migrate(connection, logger: logger)
        var tally = UsageTally(grouping: grouping)
        if tally.takesAttemptsFirst {
            try await addAttempts(to: &tally, on: connection, since: since, route: route, logger: logger)
            try await addRequests(to: &tally, on: connection, since: since, route: route, logger: logger)
        } else {
            try await addRequests(to: &tally, on: connection, since: since, route: route, logger: logger)
            try await addAttempts(to: &tally, on: connection, since: since, route: route, logger: logger)
        }
        return UsageReport(since: since, grouping: grouping, groups: tally.summaries())
    }

    private static func addRequests(
        to tally: inout UsageTally, on connection: PostgresConnection, since: Date, route: String?, logger: Logger
    ) async throws {
        let rows = try await connection.query("""
            SELECT request_id, time, route, provider, model, key_label, outcome, status, latency_ms, attempts, failovers,
                   tokens_in, tokens_out, cost, cache_hit, streaming
            FROM switchboard_usage_requests WHERE time >= \(since) AND (\(route)::text IS NULL OR route = \(route))
            """, logger: logger)
        for try await row in rows {
            let (requestID, time, route, provider, model, keyLabel, outcome, status) =
                try row.decode((String, Date, String, String?, String?, String?, String, Int).self)
            let columns = Array(row)
            let latency = try columns[8].decode(Double.self)
            let attempts = try columns[9].decode(Int.self)
            let failovers = try columns[10].decode(Int.self)
            let tokensIn = try columns[11].decode(Int?.self)
            let tokensOut = try columns[12].decode(Int?.self)
            let cost = try columns[13].decode(Double?.self)
            let cacheHit = try columns[14].decode(Bool.self)
            let streaming = try columns[15].decode(Bool.self)
            tally.add(UsageRequestRecord(
                requestID: requestID, time: time, route: route, provider: provider, model: model, keyLabel: keyLabel,
                outcome: outcome, status: status, latency: .milliseconds(latency), attempts: attempts,
                failovers: failovers, tokensIn: tokensIn, tokensOut: tokensOut, cost: cost, cacheHit: cacheHit,
                streaming: streaming))
        }
    }

    private static func addAttempts(
        to tally: inout UsageTally, on connection: PostgresConnection, since: Date, route: String?, logger: Logger
    ) async throws {
        let rows = try await connection.query("""
            SELECT request_id, time, route, provider, model, key_label, outcome, upstream_status, latency_ms
            FROM switchboard_usage_attempts WHERE time >= \(since) AND (\(route)::text IS NULL OR route = \(route))
            """, logger: logger)
        for try await (requestID, time, route, provider, model, keyLabel, outcome, upstreamStatus, latency)
            in rows.decode((String, Date, String, String, String, String?, String, Int?, Double).self)
        {
            tally.add(UsageAttemptRecord(
                requestID: requestID, time: time, route: route, provider: provider, model: model, keyLabel: keyLabel,
                outcome: outcome, upstreamStatus: upstreamStatus, latency: .milliseconds(latency)))
        }
    }
}
