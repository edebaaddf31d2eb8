import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import Testing

/// Hot reload: a good file replaces the running configuration, a broken one never does.
@Suite struct ReloadTests {
    static let good = """
        version: 1
        providers:
          offline: { adapter: template, options: { templates: { text: "first: {{prompt}}" } } }
        routes:
          text-generation: [{ provider: offline, priority: 1 }]
        """

    static let better = """
        version: 1
        providers:
          offline: { adapter: template, options: { templates: { text: "second: {{prompt}}" } } }
        routes:
          text-generation: [{ provider: offline, priority: 1 }]
          summarization: [{ provider: offline, priority: 1 }]
        """

    static let broken = """
        version: 1
        providers:
          offline: { adapter: templat, options: { templates: { text: "x" } } }
        routes:
          text-generation: [{ provider: offline, priority: 1 }]
        """

    @Test func aBrokenFileIsRefusedAndAGoodOneReplacesTheConfiguration() async throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "switchboard-reload-\(UUID().uuidString).yaml").path()
        try Self.good.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let metrics = GatewayMetrics()
        let engine = try Switchboard(
            configuration: try SwitchboardConfiguration.parse(Self.good).configuration, environment: [:],
            httpClient: httpClient, logger: GatewayTests.quiet, metricsFactory: metrics.factory)
        let gateway = Gateway(
            engine: engine, settings: GatewaySettings(port: 0, clientTokens: ["client-token"], adminTokens: ["admin-token"]),
            source: Gateway.Source(path: path, environment: [:], httpClient: httpClient), logger: GatewayTests.quiet,
            metrics: metrics)
        let auth: HTTPFields = [.authorization: "Bearer admin-token"]
        try await buildApplication(gateway: gateway).test(.live) { client in
            // Broken: refused with its diagnostics; the old configuration keeps answering.
            try Self.broken.write(toFile: path, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { response in
                #expect(response.status == .unprocessableContent)
                let body = GatewayTests.json(response.body)
                #expect(body["status"] as? String == "refused")
                let diagnostics = try #require(body["diagnostics"] as? [[String: Any]])
                #expect(diagnostics.first?["rule"] as? String == "unknown-adapter")
                #expect(diagnostics.first?["line"] as? Int == 3)
            }
            for text in ["", "version: 1\nproviders: [", "not: [valid"] {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { #expect($0.status == .unprocessableContent) }
            }
            try FileManager.default.removeItem(atPath: path)
            try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("io-error"))
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: auth, body: GatewayTests.chatBody()) { response in
                let content = ((GatewayTests.json(response.body)["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"]
                #expect(content as? String == "first: hello")
            }
            // Good: applied.
            try Self.better.write(toFile: path, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/admin/reload", method: .post) { #expect($0.status == .unauthorized) }
            // A client token may call the API, not reload the gateway.
            let clientAuth: HTTPFields = [.authorization: "Bearer client-token"]
            try await client.execute(uri: "/admin/reload", method: .post, headers: clientAuth) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("operator_token_required"))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: clientAuth) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get, headers: clientAuth) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                #expect(GatewayTests.json(response.body)["status"] as? String == "reloaded")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: auth, body: GatewayTests.chatBody()) { response in
                let content = ((GatewayTests.json(response.body)["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"]
                #expect(content as? String == "second: hello")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: auth) { response in
                let ids = (GatewayTests.json(response.body)["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == ["text-generation", "summarization"])
            }
        }
        try await httpClient.shutdown()
    }
}
