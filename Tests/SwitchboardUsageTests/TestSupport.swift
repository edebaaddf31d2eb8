import Foundation
import SwitchboardUsage

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

enum Sample {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func request(
        _ id: String, at offset: TimeInterval = 0, route: String = "chat", provider: String? = "openai",
        model: String? = "gpt-4o-mini", key: String? = "openai#1", outcome: String = "success", status: Int = 200,
        latencyMs: Int = 100, attempts: Int = 1, failovers: Int = 0, tokensIn: Int? = nil, tokensOut: Int? = nil,
        cost: Double? = nil
    ) -> UsageRequestRecord {
        UsageRequestRecord(
            requestID: id, time: epoch.addingTimeInterval(offset), route: route, provider: provider, model: model,
            keyLabel: key, outcome: outcome, status: status, latency: .milliseconds(latencyMs), attempts: attempts,
            failovers: failovers, tokensIn: tokensIn, tokensOut: tokensOut, cost: cost)
    }

    static func attempt(
        _ id: String, at offset: TimeInterval = 0, route: String = "chat", provider: String = "openai",
        model: String = "gpt-4o-mini", key: String? = "openai#1", outcome: String = "success", status: Int? = 200,
        latencyMs: Int = 90
    ) -> UsageAttemptRecord {
        UsageAttemptRecord(
            requestID: id, time: epoch.addingTimeInterval(offset), route: route, provider: provider, model: model,
            keyLabel: key, outcome: outcome, upstreamStatus: status, latency: .milliseconds(latencyMs))
    }
}

/// Polls `condition` until it holds or `timeout` passes; true when it held. The timeout is generous because
/// a passing check returns at once, and a CI machine under load can take seconds to run a batch.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}
