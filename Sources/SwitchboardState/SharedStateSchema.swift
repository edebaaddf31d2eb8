import Foundation
import Logging
import PostgresNIO

/// The shared tables and their migrations. Every replica runs them at connect, under an advisory lock,
/// so that replicas starting together migrate once. Add a migration for every change; never edit a
/// shipped one.
enum SharedStateSchema {
    static let channel = "switchboard_key_health"
    static let keyHealthTable = "switchboard_key_health"
    static let requestsTable = "switchboard_usage_requests"
    static let attemptsTable = "switchboard_usage_attempts"

    static let migrations: [(version: Int, name: String, sql: [String])] = [
        (1, "key health", [
            // The secret every replica fingerprints keys with, made by the first replica that connects.
            """
            CREATE TABLE switchboard_state_meta (
                name text PRIMARY KEY,
                value text NOT NULL
            )
            """,
            // One row per key and target cooling (scope = provider/model), or per key disabled (scope '').
            // Times are the database's, so replicas' clocks never have to agree.
            """
            CREATE TABLE switchboard_key_health (
                fingerprint text NOT NULL,
                scope text NOT NULL,
                disabled boolean NOT NULL,
                until timestamptz,
                since timestamptz NOT NULL,
                reason text NOT NULL,
                status integer,
                replica text NOT NULL,
                PRIMARY KEY (fingerprint, scope)
            )
            """,
        ]),
        (2, "usage log", [
            // The SQLite usage store's tables, with the replica that served each request.
            """
            CREATE TABLE switchboard_usage_requests (
                id bigserial PRIMARY KEY,
                replica text NOT NULL,
                request_id text NOT NULL,
                time timestamptz NOT NULL,
                route text NOT NULL,
                provider text,
                model text,
                key_label text,
                outcome text NOT NULL,
                status integer NOT NULL,
                latency_ms double precision NOT NULL,
                attempts integer NOT NULL,
                failovers integer NOT NULL,
                tokens_in integer,
                tokens_out integer,
                cost double precision,
                cache_hit boolean NOT NULL,
                streaming boolean NOT NULL
            )
            """,
            "CREATE INDEX switchboard_usage_requests_time ON switchboard_usage_requests (time)",
            "CREATE INDEX switchboard_usage_requests_route ON switchboard_usage_requests (route, time)",
            """
            CREATE TABLE switchboard_usage_attempts (
                id bigserial PRIMARY KEY,
                replica text NOT NULL,
                request_id text NOT NULL,
                time timestamptz NOT NULL,
                route text NOT NULL,
                provider text NOT NULL,
                model text NOT NULL,
                key_label text,
                outcome text NOT NULL,
                upstream_status integer,
                latency_ms double precision NOT NULL
            )
            """,
            "CREATE INDEX switchboard_usage_attempts_time ON switchboard_usage_attempts (time)",
            "CREATE INDEX switchboard_usage_attempts_route ON switchboard_usage_attempts (route, time)",
        ]),
    ]

    /// Brings the database up to the latest migration.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('switchboard_state'))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS switchboard_state_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query(
                "SELECT version FROM switchboard_state_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO switchboard_state_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                logger.notice("shared state: applied migration", metadata: ["migration": "\(migration.version): \(migration.name)"])
            }
        }
    }

    /// The fingerprint secret: made once (32 random bytes, hex) by whichever replica gets there first.
    static func fingerprintSecret(_ connection: PostgresConnection, logger: Logger) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try await connection.query("""
            INSERT INTO switchboard_state_meta (name, value) VALUES ('key_fingerprint_secret', \(candidate))
            ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        for try await value in try await connection.query(
            "SELECT value FROM switchboard_state_meta WHERE name = 'key_fingerprint_secret'", logger: logger
        ).decode(String.self) {
            return Array(value.utf8)
        }
        throw SharedStateFailure("the key fingerprint secret is missing from switchboard_state_meta")
    }
}

/// A state database that does not behave as the schema expects.
struct SharedStateFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
