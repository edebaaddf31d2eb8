import Foundation
import GRDB
@testable import SwitchboardUsage
import Testing

struct UsageStoreTests {
    @Test func aFreshFileIsMigratedInWALMode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("nested/dir/usage.sqlite")
        let store = try UsageStore(path: path)
        #expect(try store.appliedMigrations() == ["v1: requests and attempts", "v2: request cost"])
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        let indexes = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'usage_%' ORDER BY name")
        }
        #expect(indexes == [
            "usage_attempts_key", "usage_attempts_provider", "usage_attempts_request", "usage_attempts_route",
            "usage_attempts_time", "usage_requests_key", "usage_requests_provider", "usage_requests_request",
            "usage_requests_route", "usage_requests_time",
        ])
        #expect(try store.requestCount() == 0)
        try store.close()
    }

    /// A database an earlier version wrote (no cost column) is brought up to date when a report opens it,
    /// and its old answers count as cost unknown.
    @Test func anOlderDatabaseIsMigratedWhenOpenedForAReport() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("usage.sqlite")
        do {
            let pool = try DatabasePool(path: path)
            try UsageStore.migrator.migrate(pool, upTo: "v1: requests and attempts")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO usage_requests (request_id, time, route, provider, model, key_label, outcome, status,
                        latency_ms, attempts, failovers, tokens_in, tokens_out, cache_hit, streaming)
                    VALUES ('old', ?, 'chat', 'openai', 'gpt-4o-mini', 'openai#1', 'success', 200, 80, 1, 0, 10, 5, 0, 0)
                    """, arguments: [Sample.epoch.timeIntervalSince1970])
            }
            try pool.close()
        }
        let store = try UsageStore.openExisting(path: path)
        #expect(try store.appliedMigrations() == ["v1: requests and attempts", "v2: request cost"])
        let report = try store.report(since: Sample.epoch.addingTimeInterval(-60), by: .route)
        #expect(report.groups.map(\.costUnknown) == [1])
        #expect(report.groups.map(\.cost) == [0])
        try store.close()
    }

    @Test func reopeningKeepsRowsAndAppliesNothingTwice() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("usage.sqlite")
        let request = Sample.request(
            "r1", provider: "hf", model: "zephyr", key: nil, outcome: "rate_limited", status: 429, attempts: 3,
            failovers: 1, tokensIn: 12, tokensOut: nil)
        let attempt = Sample.attempt("r1", provider: "hf", model: "zephyr", key: "hf#2", outcome: "timeout", status: nil)
        do {
            let store = try UsageStore(path: path)
            try store.insert(requests: [request], attempts: [attempt])
            try store.close()
        }
        let reopened = try UsageStore(path: path)
        #expect(try reopened.appliedMigrations() == ["v1: requests and attempts", "v2: request cost"])
        #expect(try reopened.requests() == [request])
        #expect(try reopened.attempts() == [attempt])
        let reader = try UsageStore.openExisting(path: path)
        #expect(try reader.requestCount() == 1)
        #expect(try reader.attemptCount() == 1)
    }

    @Test func openingForReadingNamesAMissingOrForeignFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.path("nope.sqlite")
        #expect { try UsageStore.openExisting(path: missing) } throws: {
            ($0 as? UsageStoreError)?.kind == .missingDatabase
        }
        #expect(!FileManager.default.fileExists(atPath: missing), "reading must not create the file")
        let foreign = directory.path("other.sqlite")
        try DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect { try UsageStore.openExisting(path: foreign) } throws: {
            ($0 as? UsageStoreError)?.kind == .notAUsageDatabase
        }
        #expect(UsageStoreError(kind: .missingDatabase, path: missing).description.contains("pass --db"))
    }

    @Test func windowsFilterByTime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        try store.insert(
            requests: [Sample.request("old", at: -3_600), Sample.request("new", at: 0)],
            attempts: [Sample.attempt("old", at: -3_600), Sample.attempt("new", at: 0)])
        #expect(try store.requests(since: Sample.epoch.addingTimeInterval(-60)).map(\.requestID) == ["new"])
        #expect(try store.attempts(since: Sample.epoch.addingTimeInterval(-60)).map(\.requestID) == ["new"])
    }
}
