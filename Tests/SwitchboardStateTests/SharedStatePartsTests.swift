import Foundation
import Switchboard
import SwitchboardConfig
import Testing

@testable import SwitchboardState

/// The parts of shared state that need no database: the URL, key fingerprints, the messages replicas
/// exchange, the reconnect backoff.
struct SharedStatePartsTests {
    static let settings = StateSettings(postgresEnv: "DB_URL")

    static func endpoint(_ url: String, tls: StateSettings.TLSMode? = nil) throws(PostgresEndpoint.Problem) -> PostgresEndpoint {
        var settings = Self.settings
        settings.tls = tls
        return try PostgresEndpoint(settings: settings, environment: ["DB_URL": url], configurationFile: "/etc/sb/providers.yaml")
    }

    @Test func theURLIsReadWithItsPartsAndSSLMode() throws {
        let endpoint = try Self.endpoint("postgresql://sw%40tch:p%3Ass@db.internal:6432/gateway?sslmode=require")
        #expect(endpoint.host == "db.internal")
        #expect(endpoint.port == 6432)
        #expect(endpoint.username == "sw@tch")
        #expect(endpoint.password == "p:ss")
        #expect(endpoint.database == "gateway")
        #expect(endpoint.tls == .require)
        #expect(endpoint.displayName == "db.internal:6432/gateway")
        // Defaults: port 5432, the user's database, TLS preferred.
        let plain = try Self.endpoint("postgres://switchboard@db")
        #expect(plain.port == 5432 && plain.database == "switchboard" && plain.tls == .prefer)
        // tls: in the file wins over the URL.
        #expect(try Self.endpoint("postgres://u:p@db/x?sslmode=disable", tls: .verifyFull).tls == .verifyFull)
        #expect(try Self.endpoint("postgres://u:p@db/x?sslmode=verify-ca").tls == .verifyFull)
    }

    @Test func badURLsAreNamedByTheirVariableNeverEchoed() {
        for url in ["mysql://root:hunter2@db/x", "postgres://:hunter2@db/x", "postgres://u:hunter2@/x",
                    "postgres://u:hunter2@db/x?sslmode=sometimes", "hunter2"] {
            #expect {
                try Self.endpoint(url)
            } throws: { error in
                let text = "\(error)"
                return text.contains("DB_URL") && !text.contains("hunter2")
            }
        }
        #expect {
            try PostgresEndpoint(settings: Self.settings, environment: [:], configurationFile: "providers.yaml")
        } throws: { error in "\(error)".contains("DB_URL is not set") }
    }

    @Test func aFingerprintIsStableOneWayAndKeyedBySecret() {
        let one = KeyFingerprinter(secret: Array("secret-one".utf8))
        let two = KeyFingerprinter(secret: Array("secret-two".utf8))
        let key = "sk-live-0123456789abcdef"
        #expect(one.fingerprint(key) == one.fingerprint(key))
        #expect(one.fingerprint(key) != two.fingerprint(key))
        #expect(one.fingerprint(key) != one.fingerprint(key + "x"))
        #expect(one.fingerprint(key).count == 32)
        #expect(!one.fingerprint(key).contains("0123456789"))
    }

    @Test func messagesCarryTheStateAndTimeLeftNeverTheKey() throws {
        let reference = KeyReference(pool: "openai", index: 1)
        let cooling = KeyHealthChange(
            key: reference, state: .cooling(scope: "openai/gpt-4o-mini", remaining: .milliseconds(29_500)),
            reason: "rate_limited", status: 429)
        let message = KeyHealthMessage(change: cooling, fingerprint: "ab12", replica: "host:1")
        let decoded = try #require(KeyHealthMessage.decode(message.encoded()))
        #expect(decoded == message)
        #expect(decoded.change(for: KeyReference(pool: "other", index: 0)) == KeyHealthChange(
            key: KeyReference(pool: "other", index: 0),
            state: .cooling(scope: "openai/gpt-4o-mini", remaining: .milliseconds(29_500)), reason: "rate_limited",
            status: 429))
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let disabled = KeyHealthMessage(
            change: KeyHealthChange(key: reference, state: .disabled(since: since), reason: "unauthorized", status: 401),
            fingerprint: "ab12", replica: "host:1")
        #expect(disabled.change(for: reference)?.state == .disabled(since: since))
        // Nonsense from the channel is ignored, not applied.
        #expect(KeyHealthMessage.decode("not json") == nil)
        var expired = message
        expired.remainingMilliseconds = 0
        #expect(expired.change(for: reference) == nil)
    }

    @Test func reconnectingBacksOffWithJitterUpToFifteenSeconds() {
        for failures in 1...20 {
            let delay = SharedState.delay(afterFailures: failures)
            let base = min(Duration.milliseconds(250) * (1 << min(failures - 1, 10)), .seconds(15))
            #expect(delay >= base * 0.5 && delay <= base, "after \(failures) failures: \(delay)")
        }
    }
}
