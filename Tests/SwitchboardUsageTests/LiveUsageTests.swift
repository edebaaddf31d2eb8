import Foundation
import SwitchboardUsage
import Testing

/// The status page's in-memory hour: minute windows decided by the records' own times and the `now` the
/// reader passes, with the store report's definitions.
struct LiveUsageTests {
    static let now = Sample.epoch

    static func record(
        _ live: LiveUsage, _ id: String, minutesAgo: Double, outcome: String = "success", failovers: Int = 0,
        latencyMs: Int = 100, attempts: [(provider: String, key: String?, outcome: String)] = [("openai", "openai#1", "success")],
        cost: Double? = 0.001
    ) {
        let time = now.addingTimeInterval(-minutesAgo * 60)
        let request = UsageRequestRecord(
            requestID: id, time: time, route: "chat", provider: attempts.last?.provider, model: "m",
            keyLabel: attempts.last?.key ?? nil, outcome: outcome, status: outcome == "success" ? 200 : 503,
            latency: .milliseconds(latencyMs), attempts: attempts.count, failovers: failovers, tokensIn: 10, tokensOut: 5,
            cost: outcome == "success" ? cost : nil)
        live.record(request, attempts: attempts.map {
            UsageAttemptRecord(requestID: id, time: time, route: "chat", provider: $0.provider, model: "m", keyLabel: $0.key,
                               outcome: $0.outcome, latency: .milliseconds(latencyMs))
        })
    }

    @Test func windowsCountOnlyTheirMinutes() {
        let live = LiveUsage()
        Self.record(live, "old", minutesAgo: 30)
        Self.record(live, "recent", minutesAgo: 2)
        Self.record(live, "now", minutesAgo: 0)
        #expect(live.summaries(by: .route, minutes: 5, now: Self.now)["chat"]?.requests == 2)
        #expect(live.summaries(by: .route, minutes: 60, now: Self.now)["chat"]?.requests == 3)
        // An hour later, all of it has left the window.
        #expect(live.summaries(by: .route, minutes: 60, now: Self.now.addingTimeInterval(3_600)).isEmpty)
    }

    @Test func routeAndTargetFiguresFollowTheReportsDefinitions() {
        let live = LiveUsage()
        Self.record(live, "a", minutesAgo: 1)
        Self.record(live, "b", minutesAgo: 1, failovers: 1, attempts: [
            ("openai", "openai#1", "rate_limited"), ("hf", "hf#1", "success"),
        ])
        Self.record(live, "c", minutesAgo: 1, outcome: "unavailable", failovers: 1, attempts: [
            ("openai", "openai#1", "timeout"), ("hf", "hf#1", "server_error"),
        ])
        let route = live.summaries(by: .route, minutes: 5, now: Self.now)["chat"]
        // Per request: 2 of 3 answered, 2 of 3 failed over, 5 calls.
        #expect(route?.requests == 3 && route?.successes == 2 && route?.attempts == 5)
        #expect(route?.failoverRate == 2.0 / 3 && route?.errors == ["unavailable": 1])
        #expect(route?.cost == 0.002 && route?.costUnknown == 0)
        let targets = live.summaries(by: .targets(ofRoute: "chat"), minutes: 5, now: Self.now)
        let openai = targets["openai [m]"]
        // Per call: 1 of 3 succeeded; the failed classes are counted.
        #expect(openai?.requests == 3 && openai?.attempts == 3 && openai?.successes == 1)
        #expect(openai?.errors == ["rate_limited": 1, "timeout": 1])
        // Tokens and cost count for the target that answered.
        #expect(openai?.tokensIn == 10 && targets["hf [m]"]?.tokensIn == 20)
        #expect(live.keyUsage(minutes: 5, now: Self.now) == ["openai#1": 3, "hf#1": 2])
    }

    @Test func seriesHasAPointPerMinuteOldestFirst() {
        let live = LiveUsage()
        Self.record(live, "a", minutesAgo: 0)
        Self.record(live, "b", minutesAgo: 0)
        Self.record(live, "c", minutesAgo: 59, failovers: 1)
        let series = live.series(by: .route, minutes: 60, now: Self.now)["chat"] ?? []
        #expect(series.count == 60)
        #expect(series.first?.requests == 1 && series.first?.failoverRate == 1)
        #expect(series.last?.requests == 2)
        #expect(series.dropFirst().dropLast().allSatisfy { $0.requests == 0 })
    }

    @Test func latencyPercentilesAreWithinTheirBucket() {
        let live = LiveUsage()
        for (index, latency) in [10, 20, 30, 40, 50, 60, 70, 80, 90, 1_000].enumerated() {
            Self.record(live, "r\(index)", minutesAgo: 0, latencyMs: latency)
        }
        let route = live.summaries(by: .route, minutes: 5, now: Self.now)["chat"]
        let p50 = route?.latencyP50 ?? 0
        let p95 = route?.latencyP95 ?? 0
        // Exact: 50 and 1000 ms; bins are 20% wide, so within 10% of them.
        #expect(abs(p50 - 50) <= 5, "p50 \(p50)")
        #expect(abs(p95 - 1_000) <= 100, "p95 \(p95)")
    }

    @Test func memoryStaysAnHour() {
        let live = LiveUsage()
        for minute in 0..<500 { Self.record(live, "r\(minute)", minutesAgo: Double(500 - minute)) }
        // Only the last hour's minutes are kept, and only they are reported.
        #expect(live.summaries(by: .route, minutes: 600, now: Self.now)["chat"]?.requests ?? 0 <= 61)
    }
}
