import Foundation
import PostgresNIO
import Switchboard
import SwitchboardUsage

extension SharedState {
    /// Writes what is queued and re-reads the state in force, until the connection fails (it throws)
    /// or the service stops (after writing the usage still buffered).
    func writeLoop(on connection: PostgresConnection, fingerprinter: KeyFingerprinter) async throws {
        var nextSync = ContinuousClock.now
        var nextUsageFlush = ContinuousClock.now.advanced(by: Self.usageFlushInterval)
        while true {
            // The listener failed (the connection is gone): stop here, not at the next query.
            try Task.checkCancellation()
            state.withLock { $0.busySince = .now }
            let stopping = isStopping
            let (resync, enable) = state.withLock { pending in
                defer {
                    pending.resync = false
                    pending.enableDisabledKeys = false
                }
                return (pending.resync, pending.enableDisabledKeys)
            }
            if resync { refreshFingerprints(fingerprinter) }
            if enable { try await enableDisabledKeys(on: connection) }
            try await writeKeyChanges(on: connection)
            if resync || ContinuousClock.now >= nextSync {
                try await applyStateInForce(on: connection)
                nextSync = ContinuousClock.now.advanced(by: settings.syncInterval)
            }
            let usageWaiting = state.withLock { $0.usage.count }
            if stopping || usageWaiting >= Self.usageBatch || ContinuousClock.now >= nextUsageFlush {
                try await writeUsage(on: connection, all: stopping)
                nextUsageFlush = ContinuousClock.now.advanced(by: Self.usageFlushInterval)
            }
            if stopping { return }
            state.withLock { $0.busySince = nil }
            await sleep(for: ContinuousClock.now.duration(to: min(nextSync, nextUsageFlush)))
        }
    }

    /// Fingerprints the current engine's keys (at start and after a reload).
    private func refreshFingerprints(_ fingerprinter: KeyFingerprinter) {
        guard let engine = engine.withLock({ $0 })() else { return }
        let fingerprints = engine.keyFingerprints(fingerprinter.fingerprint)
        var references: [String: [KeyReference]] = [:]
        for (reference, fingerprint) in fingerprints { references[fingerprint, default: []].append(reference) }
        state.withLock { pending in
            pending.fingerprints = fingerprints
            pending.references = references
        }
    }

    /// A reload here is every disabled key's second chance: forget they were disabled, everywhere.
    private func enableDisabledKeys(on connection: PostgresConnection) async throws {
        let fingerprints = state.withLock { Array(Set($0.fingerprints.values)) }.sorted()
        guard !fingerprints.isEmpty else { return }
        var enabled: [String] = []
        let rows = try await query("""
            DELETE FROM switchboard_key_health WHERE disabled AND fingerprint = ANY(\(fingerprints)) RETURNING fingerprint
            """, on: connection)
        for try await fingerprint in rows.decode(String.self) { enabled.append(fingerprint) }
        for fingerprint in enabled {
            try await notify(
                KeyHealthMessage(replica: replica, fingerprint: fingerprint, state: .enabled, reason: "configuration reloaded"),
                on: connection)
        }
        if !enabled.isEmpty {
            logger.notice("shared state: disabled keys get their second chance on every replica", metadata: ["keys": "\(enabled.count)"])
        }
    }

    /// Shares the key changes queued since the last pass. A change that could not be written stays queued.
    private func writeKeyChanges(on connection: PostgresConnection) async throws {
        while let (change, at) = state.withLock({ $0.keyChanges.first }) {
            if let fingerprint = state.withLock({ $0.fingerprints[change.key] }) {
                var change = change
                // Time spent in the queue comes off the cooldown.
                if case .cooling(let scope, let remaining) = change.state {
                    change.state = .cooling(scope: scope, remaining: remaining - at.duration(to: .now))
                }
                try await write(change, fingerprint: fingerprint, on: connection)
            }
            state.withLock { pending in
                if !pending.keyChanges.isEmpty { pending.keyChanges.removeFirst() }
            }
        }
    }

    private func write(_ change: KeyHealthChange, fingerprint: String, on connection: PostgresConnection) async throws {
        switch change.state {
        case .cooling(let scope, let remaining):
            guard remaining > .zero else { return }
            let milliseconds = remaining.inMilliseconds
            // A cooldown never shortens one already running (the same rule as on one replica).
            try await query("""
                INSERT INTO switchboard_key_health (fingerprint, scope, disabled, until, since, reason, status, replica)
                VALUES (\(fingerprint), \(scope), false, now() + \(milliseconds) * interval '1 millisecond', now(),
                        \(change.reason), \(change.status), \(replica))
                ON CONFLICT (fingerprint, scope) DO UPDATE
                    SET until = EXCLUDED.until, since = EXCLUDED.since, reason = EXCLUDED.reason,
                        status = EXCLUDED.status, replica = EXCLUDED.replica
                    WHERE switchboard_key_health.until < EXCLUDED.until
                """, on: connection)
        case .disabled(let since):
            try await query("""
                INSERT INTO switchboard_key_health (fingerprint, scope, disabled, until, since, reason, status, replica)
                VALUES (\(fingerprint), '', true, NULL, \(since), \(change.reason), \(change.status), \(replica))
                ON CONFLICT (fingerprint, scope) DO NOTHING
                """, on: connection)
        case .enabled:
            return
        }
        try await notify(KeyHealthMessage(change: change, fingerprint: fingerprint, replica: replica), on: connection)
        state.withLock { $0.status.keyChangesSent += 1 }
        metrics.keyChange(received: false)
    }

    /// A query on the shared connection. postgres-nio never answers a query written to a connection that
    /// has already closed, so that is checked first; the session then reconnects.
    @discardableResult
    func query(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRowSequence {
        try Task.checkCancellation()
        guard !connection.isClosed else { throw SharedStateFailure("the connection to the database closed") }
        return try await connection.query(query, logger: logger)
    }

    private func notify(_ message: KeyHealthMessage, on connection: PostgresConnection) async throws {
        try await query("SELECT pg_notify(\(SharedStateSchema.channel), \(message.encoded()))", on: connection)
    }

    /// Reads every cooldown running and every key disabled, and applies those of keys loaded here: what
    /// a replica that starts, reloads or reconnects has missed, and a safety net under NOTIFY.
    private func applyStateInForce(on connection: PostgresConnection) async throws {
        try await query(
            "DELETE FROM switchboard_key_health WHERE NOT disabled AND until < now() - interval '1 hour'", on: connection)
        let rows = try await query("""
            SELECT fingerprint, scope, disabled,
                   (extract(epoch FROM (until - now())) * 1000)::float8,
                   extract(epoch FROM since)::float8, reason, status
            FROM switchboard_key_health WHERE disabled OR until > now()
            """, on: connection)
        var messages: [KeyHealthMessage] = []
        for try await (fingerprint, scope, disabled, remaining, since, reason, status)
            in rows.decode((String, String, Bool, Double?, Double, String, Int?).self)
        {
            messages.append(KeyHealthMessage(
                replica: "", fingerprint: fingerprint, state: disabled ? .disabled : .cooling, scope: disabled ? nil : scope,
                remainingMilliseconds: remaining.map { Int64($0) }, since: since, reason: reason, status: status))
        }
        guard let engine = engine.withLock({ $0 })() else { return }
        let references = state.withLock { $0.references }
        for message in messages {
            for reference in references[message.fingerprint] ?? [] {
                if let change = message.change(for: reference) { engine.applySharedKeyHealth(change) }
            }
        }
        changed()
    }

    /// Writes buffered usage, a batch at a time (every batch when `all`). A batch that fails goes back to
    /// the front of the buffer, within its size; what does not fit is dropped and counted.
    private func writeUsage(on connection: PostgresConnection, all: Bool) async throws {
        repeat {
            let batch = state.withLock { pending in
                let batch = Array(pending.usage.prefix(Self.usageBatch))
                pending.usage.removeFirst(batch.count)
                pending.status.usageBuffered = pending.usage.count
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await insert(batch, on: connection)
            } catch {
                let dropped = state.withLock { pending in
                    let room = max(settings.usageBuffer - pending.usage.count, 0)
                    pending.usage.insert(contentsOf: batch.prefix(room), at: 0)
                    let dropped = batch.count - min(room, batch.count)
                    pending.status.usageDropped += dropped
                    pending.status.usageBuffered = pending.usage.count
                    return dropped
                }
                if dropped > 0 { metrics.usageDropped(dropped) }
                throw error
            }
            state.withLock { $0.status.usageWritten += batch.count }
            metrics.usageWritten(batch.count)
            changed()
        } while all
    }

    /// One statement per table for the whole batch: each column travels as one array and UNNEST turns
    /// them back into rows (a statement of 8,500 single parameters costs the gateway far more to build).
    /// Arrays carry no NULLs here, so absent values travel as a value they can never take ('' for names,
    /// -1 for counts and statuses, NaN for cost) and NULLIF restores them.
    private func insert(
        _ batch: [(request: UsageRequestRecord, attempts: [UsageAttemptRecord])], on connection: PostgresConnection
    ) async throws {
        let requests = batch.map(\.request)
        let attempts = batch.flatMap(\.attempts)
        guard !connection.isClosed else { throw SharedStateFailure("the connection to the database closed") }
        try await connection.withTransaction(logger: logger) { connection in
            try await query("""
                INSERT INTO switchboard_usage_requests (replica, request_id, time, route, provider, model, key_label,
                    outcome, status, latency_ms, attempts, failovers, tokens_in, tokens_out, cost, cache_hit, streaming)
                SELECT \(replica), r.id, r.time, r.route, NULLIF(r.provider, ''), NULLIF(r.model, ''),
                    NULLIF(r.key_label, ''), r.outcome, r.status, r.latency_ms, r.attempts, r.failovers,
                    NULLIF(r.tokens_in, -1), NULLIF(r.tokens_out, -1), NULLIF(r.cost, 'NaN'::float8), r.cache_hit,
                    r.streaming
                FROM UNNEST(\(requests.map(\.requestID))::text[], \(requests.map(\.time))::timestamptz[],
                    \(requests.map(\.route))::text[], \(requests.map { $0.provider ?? "" })::text[],
                    \(requests.map { $0.model ?? "" })::text[], \(requests.map { $0.keyLabel ?? "" })::text[],
                    \(requests.map(\.outcome))::text[], \(requests.map(\.status))::int8[],
                    \(requests.map(\.latency.inMilliseconds))::float8[], \(requests.map(\.attempts))::int8[],
                    \(requests.map(\.failovers))::int8[], \(requests.map { $0.tokensIn ?? -1 })::int8[],
                    \(requests.map { $0.tokensOut ?? -1 })::int8[], \(requests.map { $0.cost ?? .nan })::float8[],
                    \(requests.map(\.cacheHit))::bool[], \(requests.map(\.streaming))::bool[])
                    AS r(id, time, route, provider, model, key_label, outcome, status, latency_ms, attempts, failovers,
                         tokens_in, tokens_out, cost, cache_hit, streaming)
                """, on: connection)
            guard !attempts.isEmpty else { return }
            try await query("""
                INSERT INTO switchboard_usage_attempts (replica, request_id, time, route, provider, model, key_label,
                    outcome, upstream_status, latency_ms)
                SELECT \(replica), a.id, a.time, a.route, a.provider, a.model, NULLIF(a.key_label, ''), a.outcome,
                    NULLIF(a.upstream_status, -1), a.latency_ms
                FROM UNNEST(\(attempts.map(\.requestID))::text[], \(attempts.map(\.time))::timestamptz[],
                    \(attempts.map(\.route))::text[], \(attempts.map(\.provider))::text[],
                    \(attempts.map(\.model))::text[], \(attempts.map { $0.keyLabel ?? "" })::text[],
                    \(attempts.map(\.outcome))::text[], \(attempts.map { $0.upstreamStatus ?? -1 })::int8[],
                    \(attempts.map(\.latency.inMilliseconds))::float8[])
                    AS a(id, time, route, provider, model, key_label, outcome, upstream_status, latency_ms)
                """, on: connection)
        }
    }
}
