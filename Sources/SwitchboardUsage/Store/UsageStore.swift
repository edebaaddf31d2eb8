import Foundation
import GRDB

/// The usage database: a SQLite file in WAL mode (a `DatabasePool`, so reports read while the recorder
/// writes), its schema kept by versioned migrations.
public struct UsageStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens the database at `path`, creating the file (and its directory) when missing and applying
    /// migrations it has not seen yet.
    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: Self.configuration(readonly: false))
        try Self.migrator.migrate(pool)
    }

    /// Opens an existing usage database to read it, without creating anything; a file written by an
    /// earlier version gets the migrations it lacks (each only adds, so a gateway still writing to it
    /// with the older schema keeps working).
    public static func openExisting(path: String) throws -> UsageStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UsageStoreError(kind: .missingDatabase, path: path)
        }
        let pool = try DatabasePool(path: path, configuration: configuration(readonly: false))
        let hasTables = try pool.read { db in
            try db.tableExists(requestsTable) && db.tableExists(attemptsTable)
        }
        guard hasTables else { throw UsageStoreError(kind: .notAUsageDatabase, path: path) }
        try migrator.migrate(pool)
        return UsageStore(path: path, pool: pool)
    }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    private static func configuration(readonly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.label = "switchboard-usage"
        // A report reading while a batch commits waits briefly instead of failing with SQLITE_BUSY.
        configuration.busyMode = .timeout(5)
        return configuration
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Closes the connections; the store must not be used afterwards.
    public func close() throws { try pool.close() }

    // MARK: - Writing

    /// Inserts a batch in one transaction (synchronously, on the caller's thread).
    public func insert(requests: [UsageRequestRecord], attempts: [UsageAttemptRecord]) throws {
        try pool.write { db in try Self.insert(requests: requests, attempts: attempts, in: db) }
    }

    /// Inserts a batch in one transaction on GRDB's writer queue and calls `completion` when it is done.
    /// The write is queued before this returns, so batches are written in the order of the calls.
    func enqueueInsert(
        requests: [UsageRequestRecord], attempts: [UsageAttemptRecord],
        completion: @escaping @Sendable (Result<Void, Error>) -> Void
    ) {
        pool.asyncWrite({ db in try Self.insert(requests: requests, attempts: attempts, in: db) },
                        completion: { _, result in completion(result) })
    }

    static func insert(requests: [UsageRequestRecord], attempts: [UsageAttemptRecord], in db: Database) throws {
        if !requests.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO usage_requests (request_id, time, route, provider, model, key_label, outcome, status,
                    latency_ms, attempts, failovers, tokens_in, tokens_out, cost, cache_hit, streaming)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for request in requests {
                try statement.execute(arguments: [
                    request.requestID, request.time.timeIntervalSince1970, request.route, request.provider,
                    request.model, request.keyLabel, request.outcome, request.status, request.latency.inMilliseconds,
                    request.attempts, request.failovers, request.tokensIn, request.tokensOut, request.cost, request.cacheHit,
                    request.streaming,
                ])
            }
        }
        if !attempts.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO usage_attempts (request_id, time, route, provider, model, key_label, outcome,
                    upstream_status, latency_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for attempt in attempts {
                try statement.execute(arguments: [
                    attempt.requestID, attempt.time.timeIntervalSince1970, attempt.route, attempt.provider,
                    attempt.model, attempt.keyLabel, attempt.outcome, attempt.upstreamStatus,
                    attempt.latency.inMilliseconds,
                ])
            }
        }
    }

    // MARK: - Reading

    public func requestCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_requests") ?? 0 }
    }

    public func attemptCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_attempts") ?? 0 }
    }

    /// Requests that arrived at or after `since`, oldest first.
    public func requests(since: Date = .distantPast) throws -> [UsageRequestRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_requests WHERE time >= ? ORDER BY time, id",
                             arguments: [since.timeIntervalSince1970]).map(UsageRequestRecord.init(row:))
        }
    }

    /// Attempts that started at or after `since`, oldest first.
    public func attempts(since: Date = .distantPast) throws -> [UsageAttemptRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_attempts WHERE time >= ? ORDER BY time, id",
                             arguments: [since.timeIntervalSince1970]).map(UsageAttemptRecord.init(row:))
        }
    }
}

extension UsageRequestRecord {
    init(row: Row) {
        self.init(
            requestID: row["request_id"], time: Date(timeIntervalSince1970: row["time"]), route: row["route"],
            provider: row["provider"], model: row["model"], keyLabel: row["key_label"], outcome: row["outcome"],
            status: row["status"], latency: .milliseconds(row["latency_ms"] as Double), attempts: row["attempts"],
            failovers: row["failovers"], tokensIn: row["tokens_in"], tokensOut: row["tokens_out"],
            cost: row["cost"], cacheHit: row["cache_hit"], streaming: row["streaming"])
    }
}

extension UsageAttemptRecord {
    init(row: Row) {
        self.init(
            requestID: row["request_id"], time: Date(timeIntervalSince1970: row["time"]), route: row["route"],
            provider: row["provider"], model: row["model"], keyLabel: row["key_label"], outcome: row["outcome"],
            upstreamStatus: row["upstream_status"], latency: .milliseconds(row["latency_ms"] as Double))
    }
}
