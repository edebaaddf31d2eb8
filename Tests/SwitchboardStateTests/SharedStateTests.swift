import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Switchboard
import SwitchboardState
import SwitchboardTestSupport
import SwitchboardUsage
import Testing

/// Two gateways, one PostgreSQL (Tests/postgres/run.sh starts it): key state and usage shared between
/// them, and what happens when the database goes away in the middle of traffic.
@Suite(
    .serialized, .enabled(if: TestPostgres.isAvailable, "needs SWITCHBOARD_TEST_POSTGRES_URL (Tests/postgres/run.sh)"),
    .timeLimit(.minutes(1)))
struct SharedStateTests {
    /// Calls with `keys`' first key answer `failure` on replica `a`; everything else answers.
    static func upstream(failing keys: [String: String], on replica: String = "a", with failure: MockUpstream.Reply)
        async throws -> MockUpstream
    {
        let key = keys["MAIN_KEY_1"] ?? ""
        return try await MockUpstream { request in
            if request.path.hasPrefix("/\(replica)/"), request.authorization == "Bearer \(key)" { return failure }
            return .chat("hello")
        }
    }

    /// The upstream calls a replica made, by key: `one` or `two`.
    static func keys(of upstream: MockUpstream, replica: String) -> [String] {
        upstream.requests.filter { $0.path.hasPrefix("/\(replica)/") }.compactMap(\.authorization).map { header in
            header.hasPrefix("Bearer key-one-") ? "one" : header.hasPrefix("Bearer key-two-") ? "two" : header
        }
    }

    static func chat(_ client: any TestClientProtocol, route: String = "chat") async throws -> HTTPResponse.Status {
        let body = ByteBuffer(string: #"{"model":"\#(route)","messages":[{"role":"user","content":"hi"}]}"#)
        return try await client.execute(
            uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"], body: body
        ).status
    }

    /// Replicas a and b, connected, on one upstream where key-one fails with `failure` when a uses it.
    static func connectedReplicas(failingKeyOneWith failure: MockUpstream.Reply) async throws
        -> (keys: [String: String], upstream: MockUpstream, a: Replica, b: Replica)
    {
        let keys = Replica.uniqueKeys()
        let upstream = try await Self.upstream(failing: keys, with: failure)
        let a = try Replica("a", upstream: upstream, keys: keys)
        let b = try Replica("b", upstream: upstream, keys: keys)
        try await a.waitUntilConnected()
        try await b.waitUntilConnected()
        return (keys, upstream, a, b)
    }

    static func uniqueRoute(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    @Test func aCooldownOnOneReplicaIsHonouredByTheOtherWithinASecond() async throws {
        let (_, upstream, a, b) = try await Self.connectedReplicas(failingKeyOneWith: .status(429, headers: [("Retry-After", "30")]))
        try await a.withClient { client async throws in #expect(try await Self.chat(client) == .ok) }
        #expect(Self.keys(of: upstream, replica: "a") == ["one", "two"])
        guard case .cooling(let until, let reasonOnA, _)? = a.keyState(0) else {
            Issue.record("replica a did not cool key-one")
            return
        }
        #expect(until.timeIntervalSinceNow > 29)
        let shared = ContinuousClock.now
        try await b.waitUntil("replica b to cool key-one") { b.keyState(0) != nil }
        #expect(ContinuousClock.now - shared < .seconds(1))
        // For the same target (the route's only one), with A's reason and what is left of its 30 s.
        guard case .cooling(let untilOnB, let reason, let status)? = b.keyState(0) else {
            Issue.record("replica b has key-one in another state: \(String(describing: b.keyState(0)))")
            return
        }
        #expect(status == 429 && reason == reasonOnA)
        #expect(untilOnB.timeIntervalSinceNow > 28 && untilOnB.timeIntervalSinceNow <= 30)
        try await b.withClient { client async throws in #expect(try await Self.chat(client) == .ok) }
        #expect(Self.keys(of: upstream, replica: "b") == ["two"])
        try await a.stop()
        try await b.stop()
        try await upstream.shutdown()
    }

    @Test func aKeyDisabledOnOneReplicaIsNeverTriedByTheOther() async throws {
        let (keys, upstream, a, b) = try await Self.connectedReplicas(failingKeyOneWith: .status(401))
        try await a.withClient { client async throws in #expect(try await Self.chat(client) == .ok) }
        #expect(Self.keys(of: upstream, replica: "a") == ["one", "two"])
        let disabledOnA = ContinuousClock.now
        try await b.waitUntil("replica b to disable key-one") {
            if case .disabled? = b.keyState(0) { return true }
            return false
        }
        #expect(ContinuousClock.now - disabledOnA < .seconds(1))
        try await b.withClient { client async throws in
            for _ in 0..<3 { #expect(try await Self.chat(client) == .ok) }
        }
        #expect(Self.keys(of: upstream, replica: "b") == Array(repeating: "two", count: 3))
        #expect(a.shared.status.keyChangesSent == 1)
        #expect(b.shared.status.keyChangesReceived == 1)

        // A replica that starts later finds the key disabled; a reload elsewhere gives it its second chance.
        let c = try Replica("c", upstream: upstream, keys: keys)
        try await c.waitUntilConnected()
        let connected = ContinuousClock.now
        try await c.waitUntil("replica c to read the key state in force") {
            if case .disabled? = c.keyState(0) { return true }
            return false
        }
        #expect(ContinuousClock.now - connected < .seconds(2))
        try await a.stop()
        try await b.stop()
        try await c.stop()
        try await upstream.shutdown()
    }

    @Test func aReloadGivesDisabledKeysTheirSecondChanceOnEveryReplica() async throws {
        let (keys, upstream, a, b) = try await Self.connectedReplicas(failingKeyOneWith: .status(401))
        try await a.withClient { client async throws in #expect(try await Self.chat(client) == .ok) }
        try await b.waitUntil("replica b to disable key-one") { b.keyState(0) != nil }
        // What a reload does to the shared state (the engine is rebuilt from the same configuration).
        let reloaded = try Switchboard(
            configuration: a.gateway.engine.configuration, environment: keys, httpClient: .shared,
            logger: Replica.logger, replacing: a.gateway.engine)
        let replaced = a.gateway.replaceEngine(with: reloaded)
        a.shared.engineReplaced(reloaded: true)
        try await replaced.shutdown()
        let reloadedAt = ContinuousClock.now
        try await b.waitUntil("replica b to enable key-one again") { b.keyState(0) == nil }
        #expect(ContinuousClock.now - reloadedAt < .seconds(1))
        #expect(a.keyState(0) == nil)
        try await a.stop()
        try await b.stop()
        try await upstream.shutdown()
    }

    @Test func oneReportCountsTheRequestsOfEveryReplica() async throws {
        let started = Date().addingTimeInterval(-1)
        let route = Self.uniqueRoute("usage")
        let keys = Replica.uniqueKeys()
        let upstream = try await Self.upstream(failing: keys, on: "nobody", with: .status(500))
        let a = try Replica("a", upstream: upstream, keys: keys, route: route)
        let b = try Replica("b", upstream: upstream, keys: keys, route: route)
        try await a.withClient { client async throws in
            for _ in 0..<7 { #expect(try await Self.chat(client, route: route) == .ok) }
        }
        try await b.withClient { client async throws in
            for _ in 0..<5 { #expect(try await Self.chat(client, route: route) == .ok) }
        }
        try await a.stop()
        try await b.stop()
        #expect(a.shared.status.usageWritten == 7)
        #expect(b.shared.status.usageWritten == 5)
        let report = try await SharedUsageReport.report(
            endpoint: a.shared.endpoint, since: started, by: .route, route: route, logger: Replica.logger)
        #expect(report.groups.map(\.name) == [route])
        #expect(report.groups.first?.requests == 12)
        #expect(report.groups.first?.successes == 12)
        let byKey = try await SharedUsageReport.report(
            endpoint: a.shared.endpoint, since: started, by: .key, route: route, logger: Replica.logger)
        // Keys are tried in order and the first always answers.
        #expect(byKey.groups.map(\.name) == ["main#1"])
        #expect(byKey.groups.first?.successes == 12)
        // What is absent is stored as NULL (no price: cost unknown; a success has no upstream status).
        let configuration = try a.shared.endpoint.connectionConfiguration(connectTimeout: .seconds(5))
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: Replica.logger)
        let rows = try await connection.query("""
            SELECT count(*) FILTER (WHERE cost IS NULL AND provider = 'upstream' AND key_label = 'main#1'),
                   (SELECT count(*) FROM switchboard_usage_attempts WHERE route = \(route) AND upstream_status IS NULL)
            FROM switchboard_usage_requests WHERE route = \(route)
            """, logger: Replica.logger)
        for try await (requests, attempts) in rows.decode((Int, Int).self) {
            #expect(requests == 12)
            #expect(attempts == 12)
        }
        try await connection.close()
        try await upstream.shutdown()
    }

    @Test func aDatabaseThatStopsAnsweringIsGivenUpAndRejoined() async throws {
        let keys = Replica.uniqueKeys()
        let route = Self.uniqueRoute("paused")
        let upstream = try await Self.upstream(failing: keys, on: "nobody", with: .status(500))
        let a = try Replica("a", upstream: upstream, keys: keys, route: route, queryTimeout: .seconds(1))
        try await a.waitUntilConnected()
        // The server stops answering but keeps its sockets open, as behind a network partition.
        try TestPostgres.run("pause")
        do {
            try await a.withClient { client async throws in
                for _ in 0..<5 {
                    let start = ContinuousClock.now
                    #expect(try await Self.chat(client, route: route) == .ok)
                    #expect(ContinuousClock.now - start < .seconds(1))
                }
            }
            try await a.waitUntil("the replica to give the connection up") {
                !a.shared.status.connected
            }
            #expect(a.shared.status.lastError?.contains("did not answer") == true)
        } catch {
            try TestPostgres.run("resume")
            throw error
        }
        try TestPostgres.run("resume")
        try await a.waitUntilConnected()
        try await a.stop()
        #expect(a.shared.status.usageDropped == 0)
        #expect(a.shared.status.usageWritten == 5)
        try await upstream.shutdown()
    }

    @Test func theDatabaseGoingAwayMidTrafficFailsNoRequestAndLosesNoRecordUncounted() async throws {
        let started = Date().addingTimeInterval(-1)
        let route = Self.uniqueRoute("fault")
        let keys = Replica.uniqueKeys()
        let upstream = try await Self.upstream(failing: keys, on: "a", with: .status(429, headers: [("Retry-After", "30")]))
        // b's buffer holds 5 records: what it cannot hold while the database is away is dropped and counted.
        let a = try Replica("a", upstream: upstream, keys: keys, route: route)
        let b = try Replica("b", upstream: upstream, keys: keys, route: route, usageBuffer: 5)
        try await a.waitUntilConnected()
        try await b.waitUntilConnected()
        var made = 0
        try await b.withClient { client async throws in
            for _ in 0..<3 { #expect(try await Self.chat(client, route: route) == .ok) }
        }
        made += 3
        try await b.waitUntil("b's first records written") { b.shared.status.usageWritten == 3 }

        try TestPostgres.run("stop")
        try await a.waitUntil("replica a to notice") { !a.shared.status.connected }
        try await b.waitUntil("replica b to notice") { !b.shared.status.connected }
        // Traffic without the database: every request answered, none waiting on it.
        for replica in [a, b] {
            try await replica.withClient { client async throws in
                for _ in 0..<10 {
                    let start = ContinuousClock.now
                    #expect(try await Self.chat(client, route: route) == .ok)
                    #expect(ContinuousClock.now - start < .seconds(1))
                }
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok)
                let status = try await client.execute(uri: "/status.json", method: .get)
                #expect(String(buffer: status.body).contains(#""connected":false"#))
            }
        }
        made += 20
        #expect(b.shared.status.usageBuffered == 5)
        #expect(b.shared.status.usageDropped == 5)
        try await b.withClient { client async throws in
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("switchboard_state_connected 0"), "\(metrics)")
            #expect(metrics.contains(#"switchboard_state_usage_records_total{result="dropped"} 5"#))
            #expect(metrics.contains("switchboard_state_connection_failures_total"))
        }
        // a cooled key-one while the database was away: shared once it is back.
        #expect(a.keyState(0) != nil)

        try TestPostgres.run("start")
        try await a.waitUntilConnected()
        try await b.waitUntilConnected()
        try await b.waitUntil("replica b to learn of key-one's cooldown") { b.keyState(0) != nil }
        try await a.stop()
        try await b.stop()
        let lost = a.shared.status.usageDropped + b.shared.status.usageDropped
        #expect(lost == 5)
        let report = try await SharedUsageReport.report(
            endpoint: a.shared.endpoint, since: started, by: .route, route: route, logger: Replica.logger)
        #expect(report.groups.first?.requests == made - lost)
        try await upstream.shutdown()
    }
}
