import Foundation
import Switchboard
import SwitchboardUsage

/// A key health change as it travels between replicas (a NOTIFY payload, JSON): the key's fingerprint,
/// never its value. Cooldowns travel as time left, so that replicas' clocks never have to agree.
struct KeyHealthMessage: Codable, Sendable, Hashable {
    enum State: String, Codable, Sendable {
        case cooling, disabled, enabled
    }

    /// Who sent it: a replica ignores its own messages.
    var replica: String
    var fingerprint: String
    var state: State
    /// The target (`provider/model`) of a cooldown.
    var scope: String?
    var remainingMilliseconds: Int64?
    /// When a key was disabled, Unix seconds.
    var since: Double?
    var reason: String
    var status: Int?

    init(
        replica: String, fingerprint: String, state: State, scope: String? = nil, remainingMilliseconds: Int64? = nil,
        since: Double? = nil, reason: String, status: Int? = nil
    ) {
        self.replica = replica
        self.fingerprint = fingerprint
        self.state = state
        self.scope = scope
        self.remainingMilliseconds = remainingMilliseconds
        self.since = since
        self.reason = reason
        self.status = status
    }

    init(change: KeyHealthChange, fingerprint: String, replica: String) {
        self.init(replica: replica, fingerprint: fingerprint, state: .enabled, reason: change.reason, status: change.status)
        switch change.state {
        case .cooling(let scope, let remaining):
            state = .cooling
            self.scope = scope
            remainingMilliseconds = Int64(remaining.inMilliseconds)
        case .disabled(let since):
            state = .disabled
            self.since = since.timeIntervalSince1970
        case .enabled:
            break
        }
    }

    /// The change for the key `reference` holds here; nil for a message that makes no sense.
    func change(for reference: KeyReference) -> KeyHealthChange? {
        let state: KeyHealthChange.State
        switch self.state {
        case .cooling:
            guard let scope, let remainingMilliseconds, remainingMilliseconds > 0 else { return nil }
            state = .cooling(scope: scope, remaining: .milliseconds(remainingMilliseconds))
        case .disabled:
            state = .disabled(since: since.map(Date.init(timeIntervalSince1970:)) ?? Date())
        case .enabled:
            state = .enabled
        }
        return KeyHealthChange(key: reference, state: state, reason: reason, status: status)
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ payload: String) -> KeyHealthMessage? {
        try? JSONDecoder().decode(KeyHealthMessage.self, from: Data(payload.utf8))
    }
}
