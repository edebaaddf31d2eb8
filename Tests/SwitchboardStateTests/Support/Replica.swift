import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardState
import SwitchboardTestSupport

/// One gateway of several: its own engine, its own connection to the shared database, its own
/// upstream path (`/<name>/…` on the shared mock, so the mock's log tells replicas apart).
final class Replica: Sendable {
    /// Key values of their own for each test, since the database outlives a test: `key-one-…`, `key-two-…`.
    static func uniqueKeys() -> [String: String] {
        let tag = UUID().uuidString.prefix(8).lowercased()
        return ["MAIN_KEY_1": "key-one-\(tag)", "MAIN_KEY_2": "key-two-\(tag)"]
    }
    static let logger: Logger = {
        var logger = Logger(label: "replica")
        logger.logLevel = ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    let name: String
    let keys: [String: String]
    let gateway: Gateway
    let shared: SharedState
    private let service: Task<Void, Never>

    /// Starts a replica whose route `route` has one provider on `upstream` with pool `main` (two keys,
    /// always tried in order: key-one first).
    init(
        _ name: String, upstream: MockUpstream, keys: [String: String], route: String = "chat", usageBuffer: Int = 10_000,
        queryTimeout: Duration = .seconds(15)
    ) throws {
        self.name = name
        self.keys = keys
        let yaml = """
            version: 1
            key_pools:
              main: { env: [MAIN_KEY_1, MAIN_KEY_2], rotation: ordered }
            providers:
              upstream: { adapter: openai-chat, base_url: \(upstream.url("/\(name)/v1")), key_pool: main }
            policy: { deadline: 5s, attempt_timeout: 2s }
            routes:
              \(route): [{ provider: upstream, model: mock-model, priority: 1 }]
            state: { postgres_env: \(TestPostgres.urlVariable), usage_buffer: \(usageBuffer), sync_interval: 1s }
            """
        let configuration = try SwitchboardConfiguration.parse(yaml).configuration
        guard let settings = configuration.state else { throw ReplicaError(description: "no state: section") }
        var environment = keys
        environment[TestPostgres.urlVariable] = TestPostgres.url
        let endpoint = try PostgresEndpoint(settings: settings, environment: environment, configurationFile: "providers.yaml")
        let metrics = GatewayMetrics()
        let shared = SharedState(
            settings: settings, endpoint: endpoint, logger: Self.logger, metricsFactory: metrics.factory,
            queryTimeout: queryTimeout)
        let engine = try Switchboard(
            configuration: configuration, environment: environment, httpClient: .shared, logger: Self.logger,
            metricsFactory: metrics.factory, keyHealthObserver: { shared.keyHealthChanged($0) })
        self.shared = shared
        self.gateway = Gateway(
            engine: engine, settings: GatewaySettings(host: "127.0.0.1", port: 0, clientTokens: []), logger: Self.logger,
            metrics: metrics, sharedState: shared)
        self.service = Task { await shared.run() }
    }

    /// Waits until the replica is connected.
    func waitUntilConnected() async throws {
        try await waitUntil("\(name) connected") { self.shared.status.connected }
    }

    /// Stops the shared-state service after it wrote the usage it holds.
    func stop() async throws {
        shared.stop()
        await service.value
    }

    /// Runs `body` with an in-process client of this replica's HTTP front.
    func withClient(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await buildApplication(gateway: gateway).test(.router) { client in try await body(client) }
    }

    /// Key `index` of pool `main` as the route's only target sees it: cooling or disabled, nil when ready.
    func keyState(_ index: Int) -> KeyStatus.State? {
        guard let keys = gateway.engine.status().first?.targets.first?.keys, keys.indices.contains(index) else { return nil }
        if case .ready = keys[index].state { return nil }
        return keys[index].state
    }

    /// Returns once `condition` holds, checking it again each time this replica's shared state changes
    /// (connected or lost, usage written, key state received or read): an event, not the clock. A wait
    /// that never ends is cut by the suite's time limit.
    func waitUntil(_ what: String, _ condition: @escaping @Sendable () -> Bool) async throws {
        let changes = shared.changes()
        if condition() { return }
        for await _ in changes where condition() { return }
        throw ReplicaError(description: "\(name) stopped before \(what)")
    }
}

struct ReplicaError: Error, CustomStringConvertible {
    var description: String
}
