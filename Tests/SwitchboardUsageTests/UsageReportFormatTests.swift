import Foundation
import SwitchboardUsage
import Testing

/// What `switchboard usage --format table|json|csv` prints.
struct UsageReportFormatTests {
    private static let report = UsageReport(
        since: Sample.epoch, grouping: .provider,
        groups: [
            UsageGroupSummary(
                name: "huggingface-router", requests: 120, attempts: 131, successes: 118, successRate: 118.0 / 131,
                latencyP50: 412.4, latencyP95: 1_830.6, errors: ["rate_limited": 9, "timeout": 4],
                failoverRate: 0.1, keyUsage: ["huggingface#1": 70, "huggingface#2": 61], tokensIn: 5_000,
                tokensOut: 12_345, cost: 0.01234, costUnknown: 2),
            UsageGroupSummary(name: "odd, \"name\"", requests: 1, errors: ["skipped": 1], failoverRate: 1),
        ])

    @Test func tableColumnsAlign() {
        let lines = UsageReportFormat.table.render(Self.report).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == [
            "Usage since 2023-11-14T22:13:20Z by provider: 121 requests touched, cost 0.0123 (+2 unknown)",
            "PROVIDER            REQUESTS  ATTEMPTS  SUCCESS    P50     P95  FAILOVER  TOKENS IN  TOKENS OUT                 COST  ERRORS                     KEYS",
            "huggingface-router       120       131    90.1%  412ms  1831ms     10.0%       5000       12345  0.0123 (+2 unknown)  rate_limited 9, timeout 4  huggingface#1 70, huggingface#2 61",
            "odd, \"name\"                1         0        -      -       -    100.0%          0           0               0.0000  skipped 1                  -",
            "",
        ])
    }

    @Test func anEmptyTableSaysSo() {
        let empty = UsageReport(since: Sample.epoch, grouping: .route, groups: [])
        #expect(UsageReportFormat.table.render(empty) == "No usage recorded since 2023-11-14T22:13:20Z.\n")
        #expect(UsageReportFormat.json.render(empty) == "[\n\n]\n" || UsageReportFormat.json.render(empty) == "[]\n")
        #expect(UsageReportFormat.csv.render(empty).split(separator: "\n").count == 1)
    }

    @Test func jsonIsAnArrayOfObjects() throws {
        let text = UsageReportFormat.json.render(Self.report)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(objects.count == 2)
        let first = objects[0]
        #expect(first.keys.sorted() == [
            "attempts", "cost", "cost_unknown", "errors", "failover_rate", "group", "key_usage", "latency_p50_ms",
            "latency_p95_ms", "requests", "success_rate", "successes", "tokens_in", "tokens_out",
        ])
        #expect(first["cost"] as? Double == 0.01234)
        #expect(first["cost_unknown"] as? Int == 2)
        #expect(first["group"] as? String == "huggingface-router")
        #expect(first["success_rate"] as? Double == 0.9008)
        #expect(first["latency_p95_ms"] as? Double == 1_830.6)
        #expect(first["errors"] as? [String: Int] == ["rate_limited": 9, "timeout": 4])
        #expect(objects[1]["latency_p50_ms"] is NSNull)
        #expect(text.contains("\"attempts\" : 131"), "keys sorted and pretty-printed")
    }

    @Test func csvHasAHeaderAndQuotesWhereNeeded() {
        let lines = UsageReportFormat.csv.render(Self.report).split(separator: "\n")
        #expect(lines == [
            "group,requests,attempts,successes,success_rate,latency_p50_ms,latency_p95_ms,failover_rate,tokens_in,tokens_out,cost,cost_unknown,errors,key_usage",
            "huggingface-router,120,131,118,0.9008,412.4,1830.6,0.1,5000,12345,0.012340,2,rate_limited=9;timeout=4,huggingface#1=70;huggingface#2=61",
            "\"odd, \"\"name\"\"\",1,0,0,,,,1,0,0,0.000000,0,skipped=1,",
        ])
    }
}
