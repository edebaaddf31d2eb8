import Foundation

extension ProbeReport {
    /// The findings as `switchboard probe` prints them: keys, then targets, then a line per route.
    public var table: String {
        let report = self
        var text = ""
        if report.keys.isEmpty {
            text += "No keys to check.\n"
        } else {
            text += Self.columns([["KEY", "PROVIDER", "RESULT"]] + report.keys.map { [$0.label, $0.provider, $0.verdict.description] })
        }
        text += "\n"
        text += Self.columns([["ROUTE", "TARGET", "MODEL", "WORKING"]] + report.targets.map { target in
            [
                target.route, target.provider + (target.model.map { " [\($0)]" } ?? ""), target.verdict.description,
                target.working ? "yes" : "no: \(target.problem ?? "unknown")",
            ]
        })
        text += "\n"
        for route in report.routes {
            text += "route \(route.route): \(route.workingTargets) of \(route.targets) targets working"
                + (route.working ? "\n" : " — no working target\n")
        }
        return text
    }

    /// The findings for scripts: `keys`, `targets`, `routes` and `all_routes_work`.
    public var json: String {
        let report = self
        let object: [String: Any] = [
            "keys": report.keys.map { ["key": $0.label, "provider": $0.provider, "result": $0.verdict.name,
                                       "detail": $0.verdict.description] },
            "targets": report.targets.map { target -> [String: Any] in
                ["route": target.route, "provider": target.provider, "model": target.model ?? NSNull(),
                 "result": target.verdict.name, "detail": target.verdict.description, "working": target.working,
                 "problem": target.problem ?? NSNull()]
            },
            "routes": report.routes.map { ["route": $0.route, "working_targets": $0.workingTargets, "targets": $0.targets,
                                           "working": $0.working] },
            "all_routes_work": report.allRoutesWork,
        ]
        // Strings, numbers, booleans, arrays and dictionaries only: serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Left-aligned columns two spaces apart, without trailing blanks.
    private static func columns(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            var line = row.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
