import GRDB

extension UsageStore {
    /// Versioned migrations. Add a new `registerMigration` for every change; never edit a shipped one,
    /// since databases already on disk have recorded it as applied.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: requests and attempts") { db in
            // Times are Unix seconds (REAL) so window queries compare numbers, not date strings.
            try db.execute(sql: """
                CREATE TABLE usage_requests (
                    id INTEGER PRIMARY KEY,
                    request_id TEXT NOT NULL,
                    time REAL NOT NULL,
                    route TEXT NOT NULL,
                    provider TEXT,
                    model TEXT,
                    key_label TEXT,
                    outcome TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    latency_ms REAL NOT NULL,
                    attempts INTEGER NOT NULL,
                    failovers INTEGER NOT NULL,
                    tokens_in INTEGER,
                    tokens_out INTEGER,
                    cache_hit INTEGER NOT NULL,
                    streaming INTEGER NOT NULL
                );
                CREATE INDEX usage_requests_time ON usage_requests(time);
                CREATE INDEX usage_requests_route ON usage_requests(route, time);
                CREATE INDEX usage_requests_provider ON usage_requests(provider, time);
                CREATE INDEX usage_requests_key ON usage_requests(key_label, time);
                CREATE INDEX usage_requests_request ON usage_requests(request_id);

                CREATE TABLE usage_attempts (
                    id INTEGER PRIMARY KEY,
                    request_id TEXT NOT NULL,
                    time REAL NOT NULL,
                    route TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    model TEXT NOT NULL,
                    key_label TEXT,
                    outcome TEXT NOT NULL,
                    upstream_status INTEGER,
                    latency_ms REAL NOT NULL
                );
                CREATE INDEX usage_attempts_time ON usage_attempts(time);
                CREATE INDEX usage_attempts_route ON usage_attempts(route, time);
                CREATE INDEX usage_attempts_provider ON usage_attempts(provider, time);
                CREATE INDEX usage_attempts_key ON usage_attempts(key_label, time);
                CREATE INDEX usage_attempts_request ON usage_attempts(request_id);
                """)
        }
        migrator.registerMigration("v2: request cost") { db in
            // NULL is "cost unknown" (no price, or no usage reported), never zero.
            try db.execute(sql: "ALTER TABLE usage_requests ADD COLUMN cost REAL")
        }
        return migrator
    }

    static let requestsTable = "usage_requests"
    static let attemptsTable = "usage_attempts"
}
