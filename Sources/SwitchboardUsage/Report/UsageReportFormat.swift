import Foundation

/// How `switchboard usage` prints a report.
public enum UsageReportFormat: String, CaseIterable, Sendable {
    /// Aligned columns for a terminal, with a title line.
    case table
    /// A pretty-printed array of objects, one per group, keys sorted; an empty array for no usage.
    case json
    /// A header line, then one line per group; fields with commas or quotes are quoted as RFC 4180 says.
    case csv

    public func render(_ report: UsageReport) -> String {
        switch self {
        case .table: Self.table(report)
        case .json: Self.json(report)
        case .csv: Self.csv(report)
        }
    }

    // MARK: - Table

    private static func table(_ report: UsageReport) -> String {
        let since = ISO8601DateFormatter().string(from: report.since)
        guard !report.groups.isEmpty else { return "No usage recorded since \(since).\n" }
        let header = [
            report.grouping.rawValue.uppercased(), "REQUESTS", "ATTEMPTS", "SUCCESS", "P50", "P95", "FAILOVER",
            "TOKENS IN", "TOKENS OUT", "COST", "ERRORS", "KEYS",
        ]
        // Text columns align left, figures right.
        let leftAligned: Set<Int> = [0, 10, 11]
        let rows = report.groups.map { group in
            [
                group.name, "\(group.requests)", "\(group.attempts)", percent(group.successRate),
                milliseconds(group.latencyP50), milliseconds(group.latencyP95), percent(group.failoverRate),
                "\(group.tokensIn)", "\(group.tokensOut)", cost(group.cost, unknown: group.costUnknown),
                counts(group.errors, separator: ", ", joiner: " "),
                counts(group.keyUsage, separator: ", ", joiner: " "),
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        let lines = ([header] + rows).map { cells in
            var line = cells.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                return leftAligned.contains(column) ? cells[column] + padding : padding + cells[column]
            }
            .joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        let total = report.groups.reduce(0) { $0 + $1.requests }
        let unit = report.grouping == .route ? "requests" : "requests touched"
        let spent = report.groups.reduce(0) { $0 + $1.cost }
        let unknown = report.groups.reduce(0) { $0 + $1.costUnknown }
        return "Usage since \(since) by \(report.grouping.rawValue): \(total) \(unit), cost \(cost(spent, unknown: unknown))\n"
            + lines.joined(separator: "\n") + "\n"
    }

    /// `0.0421`, with `(+3 unknown)` when some answered requests have no known cost.
    private static func cost(_ cost: Double, unknown: Int) -> String {
        let figure = String(format: "%.4f", cost)
        return unknown > 0 ? "\(figure) (+\(unknown) unknown)" : figure
    }

    private static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value * 100)
    }

    private static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return "\(Int(value.rounded()))ms"
    }

    /// `rate_limited 3, unavailable 1`: the largest first, then by name; `-` when empty.
    private static func counts(_ counts: [String: Int], separator: String, joiner: String) -> String {
        guard !counts.isEmpty else { return "-" }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key)\(joiner)\($0.value)" }
            .joined(separator: separator)
    }

    // MARK: - JSON

    private static func json(_ report: UsageReport) -> String {
        let objects: [[String: Any]] = report.groups.map { group in
            [
                "group": group.name, "requests": group.requests, "attempts": group.attempts,
                "successes": group.successes, "success_rate": rounded(group.successRate),
                "latency_p50_ms": rounded(group.latencyP50), "latency_p95_ms": rounded(group.latencyP95),
                "failover_rate": rounded(group.failoverRate), "errors": group.errors, "key_usage": group.keyUsage,
                "tokens_in": group.tokensIn, "tokens_out": group.tokensOut, "cost": rounded(group.cost, places: 6),
                "cost_unknown": group.costUnknown,
            ]
        }
        // Every value above is a string, number, dictionary or NSNull, so serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Four decimals (or `places`), or JSON null.
    private static func rounded(_ value: Double?, places: Int = 4) -> Any {
        guard let value else { return NSNull() }
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    // MARK: - CSV

    private static func csv(_ report: UsageReport) -> String {
        let header = [
            "group", "requests", "attempts", "successes", "success_rate", "latency_p50_ms", "latency_p95_ms",
            "failover_rate", "tokens_in", "tokens_out", "cost", "cost_unknown", "errors", "key_usage",
        ]
        let rows = report.groups.map { group in
            [
                group.name, "\(group.requests)", "\(group.attempts)", "\(group.successes)", decimal(group.successRate),
                decimal(group.latencyP50), decimal(group.latencyP95), decimal(group.failoverRate), "\(group.tokensIn)",
                "\(group.tokensOut)", String(format: "%.6f", group.cost), "\(group.costUnknown)", group.errors.isEmpty ? "" : counts(group.errors, separator: ";", joiner: "="),
                group.keyUsage.isEmpty ? "" : counts(group.keyUsage, separator: ";", joiner: "="),
            ]
        }
        return ([header] + rows).map { $0.map(quoted).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Four decimals without trailing zeros; empty for none.
    private static func decimal(_ value: Double?) -> String {
        guard let value else { return "" }
        let rounded = (value * 10_000).rounded() / 10_000
        return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }
}
