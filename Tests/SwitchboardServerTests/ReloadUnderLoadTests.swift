import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Switchboard
import SwitchboardServer
import SwitchboardTestSupport
import Testing

/// Issue 6 §5: hot reload while traffic flows. Client tasks loop requests (plain and streamed) the whole
/// time; meanwhile the file is replaced by a valid changed configuration, one with lint errors, a
/// truncated one, an empty one and none at all, and reloaded through `POST /admin/reload` and through
/// `Gateway.reload()` (what SIGHUP calls). No request may fail because of a reload, a broken file never
/// replaces the running configuration, and every outcome shows in the reload's answer and in the logs.
@Suite(.serialized) struct ReloadUnderLoadTests {
    /// A configuration whose answers say which version served them (`from /v1/…` or `from /v2/…`).
    static func config(_ upstream: MockUpstream, version: String, adapter: String = "openai-chat") -> String {
        """
        version: 1
        providers:
          upstream: { adapter: \(adapter), base_url: "\(upstream.url("/\(version)"))" }
        policy: { deadline: 10s, attempt_timeout: 5s }
        routes:
          chat:
            - { provider: upstream, model: m, priority: 1 }
        """
    }

    struct Result: Sendable {
        var started: ContinuousClock.Instant
        var finished: ContinuousClock.Instant
        var stream: Bool
        var status: Int
        var text: String
        var problem: String?
    }

    struct Reload: Sendable {
        var name: String
        var started: ContinuousClock.Instant
        var finished: ContinuousClock.Instant
        /// The version serving after this reload.
        var serving: String
    }

    @Test func reloadsWhileRequestsFlowNeverFailARequestOrInstallABrokenFile() async throws {
        let upstream = try await MockUpstream { request in
            // Slow enough that reloads land while requests are in flight.
            let version = request.path.hasPrefix("/v2") ? "v2" : "v1"
            var reply = request.wantsStream ? MockUpstream.Reply.sse(["from ", version], delay: .milliseconds(10))
                : MockUpstream.Reply.chat("from \(version)")
            reply.headDelay = .milliseconds(20)
            return reply
        }
        let path = FileManager.default.temporaryDirectory.appending(path: "switchboard-reload-load-\(UUID().uuidString).yaml").path()
        let first = Self.config(upstream, version: "v1")
        let second = Self.config(upstream, version: "v2")
        try first.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = LogStore()

        try await LiveGateway.run(first, logger: store.logger(), reloadFrom: path) { gateway in
            let results = NIOLockedValueBox<[Result]>([])
            let stop = NIOLockedValueBox(false)
            let clients = (0..<4).map { index in
                Task {
                    var round = 0
                    while !stop.withLockedValue({ $0 }) {
                        let stream = (index + round) % 2 == 0
                        round += 1
                        let started = ContinuousClock.now
                        do {
                            let reply = try await gateway.chat(stream: stream, timeout: .seconds(10))
                            let text = (stream ? reply.streamedText : reply.content) ?? ""
                            let problem = reply.status != 200 ? reply.body
                                : stream && !reply.endsWithDone ? "stream did not end with [DONE]: \(reply.body)" : nil
                            results.withLockedValue {
                                $0.append(Result(started: started, finished: .now, stream: stream, status: reply.status, text: text, problem: problem))
                            }
                        } catch {
                            results.withLockedValue {
                                $0.append(Result(started: started, finished: .now, stream: stream, status: 0, text: "", problem: "\(error)"))
                            }
                        }
                    }
                }
            }
            /// Lets traffic flow until a few requests have run wholly since the last reload (at most 10s).
            func flow() async throws {
                let since = ContinuousClock.now
                let end = since.advanced(by: .seconds(10))
                while ContinuousClock.now < end, results.withLockedValue({ $0.count { $0.started > since } }) < 4 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            func adminReload() async throws -> GatewayReply { try await gateway.send(.POST, "/admin/reload") }

            var reloads: [Reload] = []
            try await flow()

            // 1. A valid, changed configuration: applied.
            try second.write(toFile: path, atomically: true, encoding: .utf8)
            var started = ContinuousClock.now
            let applied = try await adminReload()
            reloads.append(Reload(name: "valid", started: started, finished: .now, serving: "v2"))
            #expect(applied.status == 200, "\(applied.body)")
            #expect(applied.json["status"] as? String == "reloaded")
            try await flow()

            // 2–5. Broken files: refused with their diagnostics; v2 keeps serving.
            let broken: [(name: String, write: () throws -> Void, rule: String)] = [
                ("lint errors", { try Self.config(upstream, version: "v1", adapter: "openai-chatt").write(toFile: path, atomically: true, encoding: .utf8) },
                 "unknown-adapter"),
                // Cut inside the route's flow mapping, as a half-written file would be.
                ("truncated", { try String(first[..<first.range(of: "priority")!.lowerBound]).write(toFile: path, atomically: true, encoding: .utf8) },
                 "yaml-syntax"),
                ("empty", { try "".write(toFile: path, atomically: true, encoding: .utf8) }, "yaml-structure"),
                ("missing", { try FileManager.default.removeItem(atPath: path) }, "io-error"),
            ]
            for file in broken {
                try file.write()
                started = ContinuousClock.now
                let refused = try await adminReload()
                reloads.append(Reload(name: file.name, started: started, finished: .now, serving: "v2"))
                #expect(refused.status == 422, "\(file.name): \(refused.body)")
                #expect(refused.json["status"] as? String == "refused", "\(file.name)")
                #expect((refused.json["message"] as? String)?.contains("keeps serving") == true, "\(file.name): \(refused.body)")
                let rules = (refused.json["diagnostics"] as? [[String: Any]])?.compactMap { $0["rule"] as? String } ?? []
                #expect(rules.contains(file.rule), "\(file.name): \(refused.body)")
                #expect(store.lines.contains { $0.level == .error && $0.message.hasPrefix("reload refused:") && $0.message.contains("[\(file.rule)]") },
                        "\(file.name): no log line")
                #expect(gateway.gateway.engine.configuration.providers.first?.baseURL?.hasSuffix("/v2") == true)
                try await flow()
            }

            // 6. Back to v1 through the SIGHUP path.
            try first.write(toFile: path, atomically: true, encoding: .utf8)
            started = ContinuousClock.now
            let outcome = gateway.gateway.reload()
            reloads.append(Reload(name: "SIGHUP", started: started, finished: .now, serving: "v1"))
            #expect(outcome.applied, "\(outcome.message)")
            try await flow()

            stop.withLockedValue { $0 = true }
            for client in clients { await client.value }

            // Every request succeeded, and each one that ran wholly between the end of a reload and the
            // start of the next was answered by the configuration that reload left serving.
            let all = results.withLockedValue { $0 }
            #expect(all.count >= 24, "only \(all.count) requests ran")
            #expect(all.contains { $0.stream } && all.contains { !$0.stream })
            for result in all where result.problem != nil {
                Issue.record("request failed during reloads: HTTP \(result.status) \(result.problem ?? "")")
            }
            for (index, reload) in reloads.enumerated() {
                let end = index + 1 < reloads.count ? reloads[index + 1].started : ContinuousClock.now
                let window = all.filter { $0.started > reload.finished && $0.finished < end }
                #expect(!window.isEmpty, "no traffic after the \(reload.name) reload")
                for result in window where result.problem == nil {
                    #expect(result.text == "from \(reload.serving)", "after the \(reload.name) reload: \(result.text)")
                }
            }
            let reloadedLines = store.lines.filter { $0.message == "configuration reloaded" && $0.level == .notice }
            #expect(reloadedLines.count == 2)
        }
        try await upstream.shutdown()
    }
}
