import Foundation
import SwitchboardUsage
import Testing

/// Reports over a small known log: two routes, three providers, a skipped key, failovers and tokens.
struct UsageReportTests {
    private static func store(in directory: TemporaryDirectory) throws -> UsageStore {
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        try store.insert(
            requests: [
                Sample.request("old", at: -3_600),
                Sample.request("r1", latencyMs: 100, tokensIn: 10, tokensOut: 20, cost: 0.004),
                Sample.request(
                    "r2", provider: "hf", model: "zephyr", key: "hf#1", latencyMs: 300, attempts: 2, failovers: 1,
                    tokensIn: 5, tokensOut: 7, cost: 0.001),
                Sample.request(
                    "r3", provider: "offline", model: "template", key: nil, latencyMs: 20, attempts: 3, failovers: 2),
                Sample.request(
                    "r4", route: "summarize", provider: "hf", model: "bart", key: "hf#1", outcome: "rate_limited",
                    status: 429, latencyMs: 500),
            ],
            attempts: [
                Sample.attempt("old", at: -3_600),
                Sample.attempt("r1", latencyMs: 90),
                Sample.attempt("r2", outcome: "rate_limited", status: 429, latencyMs: 50),
                Sample.attempt("r2", provider: "hf", model: "zephyr", key: "hf#1", latencyMs: 250),
                Sample.attempt("r3", key: "openai#2", outcome: "skipped", status: nil, latencyMs: 0),
                Sample.attempt("r3", outcome: "unavailable", status: 503, latencyMs: 40),
                Sample.attempt("r3", provider: "hf", model: "zephyr", key: "hf#2", outcome: "timeout", status: nil, latencyMs: 1_000),
                Sample.attempt("r3", provider: "offline", model: "template", key: nil, latencyMs: 10),
                Sample.attempt(
                    "r4", route: "summarize", provider: "hf", model: "bart", key: "hf#1", outcome: "rate_limited",
                    status: 429, latencyMs: 480),
            ])
        return store
    }

    private static let since = Sample.epoch.addingTimeInterval(-60)

    @Test func byRouteCountsClientRequests() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.store(in: directory).report(since: Self.since, by: .route)
        #expect(report.grouping == .route)
        #expect(report.groups == [
            UsageGroupSummary(
                name: "chat", requests: 3, attempts: 6, successes: 3, successRate: 1, latencyP50: 100, latencyP95: 300,
                errors: [:], failoverRate: 2.0 / 3, keyUsage: ["openai#1": 3, "hf#1": 1, "hf#2": 1, "(no key)": 1],
                tokensIn: 15, tokensOut: 27, cost: 0.005, costUnknown: 1),
            UsageGroupSummary(
                name: "summarize", requests: 1, attempts: 1, successes: 0, successRate: 0, latencyP50: 500,
                latencyP95: 500, errors: ["rate_limited": 1], failoverRate: 0, keyUsage: ["hf#1": 1]),
        ])
    }

    @Test func byProviderCountsAttempts() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.store(in: directory).report(since: Self.since, by: .provider)
        #expect(report.groups == [
            UsageGroupSummary(
                name: "hf", requests: 3, attempts: 3, successes: 1, successRate: 1.0 / 3, latencyP50: 480,
                latencyP95: 1_000, errors: ["rate_limited": 1, "timeout": 1], failoverRate: 2.0 / 3,
                keyUsage: ["hf#1": 2, "hf#2": 1], tokensIn: 5, tokensOut: 7, cost: 0.001),
            UsageGroupSummary(
                name: "openai", requests: 3, attempts: 3, successes: 1, successRate: 1.0 / 3, latencyP50: 50,
                latencyP95: 90, errors: ["rate_limited": 1, "skipped": 1, "unavailable": 1], failoverRate: 2.0 / 3,
                keyUsage: ["openai#1": 3], tokensIn: 10, tokensOut: 20, cost: 0.004),
            UsageGroupSummary(
                name: "offline", requests: 1, attempts: 1, successes: 1, successRate: 1, latencyP50: 10, latencyP95: 10,
                errors: [:], failoverRate: 1, keyUsage: ["(no key)": 1], costUnknown: 1),
        ])
    }

    @Test func byTargetNamesProviderAndModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let groups = try Self.store(in: directory).report(since: Self.since, by: .target).groups
        #expect(groups.map(\.name) == ["openai [gpt-4o-mini]", "hf [zephyr]", "hf [bart]", "offline [template]"])
        #expect(groups.map(\.cost) == [0.004, 0.001, 0, 0])
        // The failed request (r4, rate limited) has no cost to know; the offline answer (r3) has no price.
        #expect(groups.map(\.costUnknown) == [0, 0, 0, 1])
    }

    @Test func byModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let groups = try Self.store(in: directory).report(since: Self.since, by: .model).groups
        #expect(groups.map(\.name) == ["gpt-4o-mini", "zephyr", "bart", "template"])
        #expect(groups.map(\.requests) == [3, 2, 1, 1])
        #expect(groups.map(\.attempts) == [3, 2, 1, 1])
        #expect(groups[1].latencyP50 == 250)
        #expect(groups[1].latencyP95 == 1_000)
        #expect(groups[1].errors == ["timeout": 1])
        #expect(groups.map(\.tokensIn) == [10, 5, 0, 0])
    }

    @Test func byKeyShowsSkippedKeysAndKeylessAttempts() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let groups = try Self.store(in: directory).report(since: Self.since, by: .key).groups
        #expect(groups.map(\.name) == ["openai#1", "hf#1", "(no key)", "hf#2", "openai#2"])
        #expect(groups.map(\.requests) == [3, 2, 1, 1, 1])
        let skipped = try #require(groups.last)
        #expect(skipped == UsageGroupSummary(name: "openai#2", requests: 1, errors: ["skipped": 1], failoverRate: 1))
        #expect(groups[1].tokensIn == 5)
        #expect(groups[1].successRate == 0.5)
        #expect(groups[0].tokensOut == 20)
    }

    /// By key, keyless calls have their own row, and a target passed over as a whole (limits full, no
    /// usable key) is about no key at all: it is in no row.
    @Test func byKeyKeepsTargetSkipsOutOfTheKeylessRow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        try store.insert(
            requests: [Sample.request("t1", provider: "offline", model: "template", key: nil, attempts: 1, failovers: 0)],
            attempts: [
                Sample.attempt("t1", key: nil, outcome: "queue_full", status: nil, latencyMs: 0),
                Sample.attempt("t1", provider: "hf", model: "zephyr", key: nil, outcome: "skipped", status: nil, latencyMs: 0),
                Sample.attempt("t1", provider: "offline", model: "template", key: nil, latencyMs: 5),
            ])
        let groups = try store.report(since: Self.since, by: .key).groups
        #expect(groups.map(\.name) == [UsageReport.noKey])
        #expect(groups.first?.attempts == 1 && groups.first?.errors == [:], "\(groups)")
        // By provider the skips still show, as errors of the target they concern.
        let providers = try store.report(since: Self.since, by: .provider).groups
        #expect(providers.first { $0.name == "openai" }?.errors == ["queue_full": 1])
    }

    @Test func anEmptyWindowHasNoGroups() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try Self.store(in: directory).report(since: Sample.epoch.addingTimeInterval(1), by: .route)
        #expect(report.groups.isEmpty)
    }

    @Test func windowsParseDaysAndWeeks() {
        #expect(UsageWindow.parse("30m") == .seconds(1_800))
        #expect(UsageWindow.parse("24h") == .seconds(86_400))
        #expect(UsageWindow.parse("7d") == .seconds(604_800))
        #expect(UsageWindow.parse("2w") == .seconds(1_209_600))
        #expect(UsageWindow.parse("1.5h") == .seconds(5_400))
        #expect(UsageWindow.parse("90s") == .seconds(90))
        for bad in ["", "24", "h", "-1h", "0h", "1e3s", "24 h", "1y", "١h"] {
            #expect(UsageWindow.parse(bad) == nil, "\(bad)")
        }
    }
}
