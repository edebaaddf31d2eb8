extension Switchboard {
    /// Each loaded key's identity under `fingerprint`, a keyed one-way hash the caller computes from the
    /// value: how gateways that share key state recognise the same key without storing it. The value
    /// goes no further than `fingerprint`.
    public func keyFingerprints(_ fingerprint: (String) -> String) -> [KeyReference: String] {
        var fingerprints: [KeyReference: String] = [:]
        for (name, ring) in rings {
            for (index, key) in ring.keys.enumerated() {
                fingerprints[KeyReference(pool: name, index: index)] = fingerprint(key.value)
            }
        }
        return fingerprints
    }

    /// Applies key state another gateway shared, without reporting it back to the observer. Cooldowns
    /// never shorten one running here; a key unknown here is ignored.
    public func applySharedKeyHealth(_ change: KeyHealthChange) {
        guard let ring = rings[change.key.pool], ring.keys.indices.contains(change.key.index) else { return }
        let reason = KeyRing.Reason(text: change.reason, status: change.status)
        switch change.state {
        case .cooling(let scope, let remaining):
            ring.coolDown(change.key.index, for: scope, duration: remaining, reason: reason, report: false)
        case .disabled(let since):
            ring.disable(change.key.index, reason: reason, at: since, report: false)
        case .enabled:
            ring.enable(change.key.index)
        }
        metrics.keyState(ring)
    }
}
