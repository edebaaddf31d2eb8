import Foundation
import SwitchboardState

/// The status page: one server-rendered HTML document with inline CSS and SVG, refreshing itself every
/// `refreshSeconds` (a meta refresh: no script, nothing fetched from another host).
enum StatusPage {
    static let refreshSeconds = 10

    static func render(_ snapshot: StatusSnapshot) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Switchboard status</title>
            <style>\(style)</style></head><body>
            <header><h1>Switchboard status</h1>
            <p class="meta">At \(time(snapshot.generatedAt)) UTC · up since \(dateTime(snapshot.startedAt)) UTC · \
            hour figures from \(snapshot.hourSource == "store" ? "the usage store" : "memory since start-up") · \
            refreshes every \(refreshSeconds) s · <a href="/status.json">status.json</a></p></header>

            """
        for route in snapshot.routes { html += section(route, now: snapshot.generatedAt) }
        html += "<section><h2>Key usage, last hour</h2>"
        if snapshot.keyUsage.isEmpty {
            html += "<p class=\"quiet\">No upstream calls with a key in the last hour.</p>"
        } else {
            html += SVGChart.horizontalBars(snapshot.keyUsage.map { ($0.label, $0.calls) }, color: "#4c78a8")
        }
        html += "</section>"
        if !snapshot.probes.isEmpty { html += probes(snapshot.probes) }
        if let shared = snapshot.sharedState { html += sharedState(shared) }
        html += "</body></html>\n"
        return html
    }

    // MARK: - Routes

    private static func section(_ route: StatusSnapshot.Route, now: Date) -> String {
        var html = "<section class=\"route\" id=\"route-\(HTML.escape(route.name))\"><h2>Route \(HTML.escape(route.name))</h2>"
        html += "<p class=\"summary\">"
        html += "Last 5 min: \(route.lastFiveMinutes.requests) requests, success \(percent(route.lastFiveMinutes.successRate)), "
            + "failover \(percent(route.lastFiveMinutes.failoverRate)) · "
        html += "Last hour: \(route.lastHour.requests) requests, success \(percent(route.lastHour.successRate)), "
            + "failover \(percent(route.lastHour.failoverRate)), cost \(cost(route.lastHour))"
        html += "</p>"
        html += "<figure><figcaption>Requests per minute over the last hour (now at the right), failed over in red</figcaption>"
        html += SVGChart.bars(route.requestsPerMinute, highlight: route.failoversPerMinute,
                              label: "requests and failovers per minute for route \(route.name)",
                              color: "#9ecae9", highlightColor: "#e45756")
        html += "</figure>"
        html += """
            <table><thead><tr><th>#</th><th>Target</th><th>State now</th><th>Keys</th>\
            <th>Last 5 min</th><th>Last hour</th><th>Failed calls (hour)</th><th>Per minute, last hour</th></tr></thead><tbody>
            """
        for target in route.targets { html += row(target, now: now) }
        html += "</tbody></table></section>\n"
        return html
    }

    private static func row(_ target: StatusSnapshot.Target, now: Date) -> String {
        let name = target.provider + (target.model.map { " [\($0)]" } ?? "")
        var html = "<tr class=\"target\" data-state=\"\(target.state)\"><td>\(target.priority)</td>"
        html += "<td class=\"name\">\(HTML.escape(name))"
        if let price = target.price {
            html += "<div class=\"quiet\">\(number(price.inputPerMillion)) in / \(number(price.outputPerMillion)) out per M tokens</div>"
        }
        html += "</td>"
        html += "<td><span class=\"state \(target.state)\">\(stateName(target.state))</span>"
        if let until = target.until { html += " until \(time(until)) (\(remaining(until, now: now)))" }
        if let detail = target.detail { html += "<div class=\"detail\">\(HTML.escape(detail))</div>" }
        if let limiter = target.limiter {
            html += "<div class=\"detail\">in flight \(limiter.inFlight)"
                + (limiter.maxInFlight.map { " of \($0)" } ?? "") + ", queued \(limiter.waiting) of \(limiter.queueSize)</div>"
        }
        html += "</td><td><ul class=\"keys\">"
        if target.keys.isEmpty { html += "<li class=\"quiet\">no key</li>" }
        for key in target.keys {
            html += "<li class=\"key\" data-key=\"\(HTML.escape(key.label))\" data-state=\"\(key.state)\">"
            html += "<code>\(HTML.escape(key.label))</code> <span class=\"state \(key.state)\">\(stateName(key.state))</span>"
            if let until = key.until { html += " until \(time(until)) (\(remaining(until, now: now)))" }
            if let since = key.since { html += " since \(time(since))" }
            if let reason = key.reason {
                html += " <span class=\"detail\">\(HTML.escape(reason))" + (key.status.map { ", HTTP \($0)" } ?? "") + "</span>"
            }
            html += "</li>"
        }
        html += "</ul></td>"
        html += "<td>\(figures(target.lastFiveMinutes))</td><td>\(figures(target.lastHour))</td>"
        html += "<td>\(failures(target.lastHour.errors))</td>"
        html += "<td>"
        html += SVGChart.line(
            target.successRatePerMinute, maximum: 1, label: "success rate per minute of \(name)", caption: "success rate, 0–100%",
            color: "#54a24b")
        let slowest = target.latencyP50PerMinute.compactMap { $0 }.max()
        html += SVGChart.line(
            target.latencyP50PerMinute, label: "p50 latency per minute of \(name)",
            caption: "p50 latency" + (slowest.map { ", top \(Int($0.rounded())) ms" } ?? ""), color: "#4c78a8")
        html += "</td></tr>\n"
        return html
    }

    private static func figures(_ figures: StatusSnapshot.Figures) -> String {
        guard figures.requests > 0 || figures.attempts > 0 else { return "<span class=\"quiet\">no requests</span>" }
        return """
            <dl class="figures"><dt>requests</dt><dd>\(figures.requests)</dd>\
            <dt>calls</dt><dd>\(figures.attempts)</dd>\
            <dt>success per call</dt><dd>\(percent(figures.successRate))</dd>\
            <dt>p50 / p95</dt><dd>\(milliseconds(figures.latencyP50Ms)) / \(milliseconds(figures.latencyP95Ms))</dd>\
            <dt>tokens</dt><dd>\(figures.tokensIn) in, \(figures.tokensOut) out</dd>\
            <dt>cost</dt><dd>\(cost(figures))</dd></dl>
            """
    }

    private static func failures(_ errors: [String: Int]) -> String {
        guard !errors.isEmpty else { return "<span class=\"quiet\">none</span>" }
        return "<ul class=\"failures\">" + errors.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "<li>\(HTML.escape($0.key.replacingOccurrences(of: "_", with: " "))) <b>\($0.value)</b></li>" }
            .joined() + "</ul>"
    }

    private static func probes(_ probes: [StatusSnapshot.ProbeFinding]) -> String {
        var html = "<section><h2>Health probes</h2><table><thead><tr><th>Checked</th><th>Provider</th><th>Result</th>"
            + "<th>At</th></tr></thead><tbody>"
        for probe in probes {
            html += "<tr class=\"probe\"><td><code>\(HTML.escape(probe.subject))</code></td><td>\(HTML.escape(probe.provider))</td>"
            html += "<td><span class=\"state \(probe.result)\">\(HTML.escape(probe.result.replacingOccurrences(of: "_", with: " ")))</span>"
            if let detail = probe.detail { html += " <span class=\"detail\">\(HTML.escape(detail))</span>" }
            html += "</td><td>\(time(probe.at))</td></tr>"
        }
        return html + "</tbody></table></section>"
    }

    // MARK: - Replicas

    private static func sharedState(_ shared: SharedStateStatus) -> String {
        var html = "<section id=\"shared-state\"><h2>Shared state</h2><p>Database <code>\(HTML.escape(shared.database))</code>: "
        if shared.connected {
            html += "<span class=\"state ready\">connected</span> since \(dateTime(shared.since)) UTC"
        } else {
            html += "<span class=\"state unreachable\">not connected</span> since \(dateTime(shared.since)) UTC"
            html += " — key state is local to this replica until it is back"
            if let error = shared.lastError { html += " <span class=\"detail\">\(HTML.escape(error))</span>" }
        }
        html += "</p><dl class=\"figures\"><dt>Key changes shared / received</dt><dd>\(shared.keyChangesSent) / "
        html += "\(shared.keyChangesReceived)</dd><dt>Usage records written</dt><dd>\(shared.usageWritten)</dd>"
        html += "<dt>Waiting for the database</dt><dd>\(shared.usageBuffered)</dd>"
        html += "<dt>Dropped (buffer full)</dt><dd>\(shared.usageDropped)</dd>"
        html += "<dt>Connection failures</dt><dd>\(shared.connectionFailures)</dd></dl></section>"
        return html
    }

    // MARK: - Words and numbers

    private static func stateName(_ state: String) -> String {
        switch state {
        case "no_keys": "no keys"
        default: state
        }
    }

    private static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String((value * 1_000).rounded() / 10) + "%"
    }

    private static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        return "\(Int(value.rounded())) ms"
    }

    private static func cost(_ figures: StatusSnapshot.Figures) -> String {
        var text = number(figures.cost)
        if figures.costUnknown > 0 { text += " (+\(figures.costUnknown) unknown)" }
        return text
    }

    /// Up to four decimals, without trailing zeros.
    private static func number(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `in 45 s`, `in 1 min 58 s`, `in 2 h 5 min`.
    private static func remaining(_ until: Date, now: Date) -> String {
        let seconds = max(0, Int(until.timeIntervalSince(now).rounded(.up)))
        if seconds < 60 { return "in \(seconds) s" }
        if seconds < 3_600 { return "in \(seconds / 60) min \(seconds % 60) s" }
        return "in \(seconds / 3_600) h \((seconds % 3_600) / 60) min"
    }

    private static func time(_ date: Date) -> String { formatted(date, "HH:mm:ss") }
    private static func dateTime(_ date: Date) -> String { formatted(date, "yyyy-MM-dd HH:mm:ss") }

    private static func formatted(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1f2328}h1{margin:0}h2{margin:1.2em 0 .3em}\
        .meta,.quiet,.detail{color:#59636e}.detail{font-size:12px}table{border-collapse:collapse;width:100%}\
        th,td{border-bottom:1px solid #d1d9e0;padding:.4em;text-align:left;vertical-align:top}\
        .state{padding:0 .4em;border-radius:3px;font-weight:600}.ready{background:#dafbe1;color:#116329}\
        .cooling,.limited,.rate_limited,.loading{background:#fff8c5;color:#7d4e00}\
        .disabled,.invalid,.no_keys,.unreachable,.not_found{background:#ffebe9;color:#a40e26}\
        .valid,.available{background:#dafbe1;color:#116329}\
        ul{margin:0;padding-left:1em}dl.figures{display:grid;grid-template-columns:auto auto;gap:0 .6em;margin:0}\
        dt{color:#59636e}dd{margin:0;white-space:nowrap}.state{white-space:nowrap}figure{margin:.3em 0}figcaption{font-size:12px;color:#59636e}svg{display:block;margin:2px 0}
        """
}
