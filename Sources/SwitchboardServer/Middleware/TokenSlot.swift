import Synchronization

/// One request's place in its token's count, given back exactly once: when the body is written, when
/// the handler fails, or — should the response be dropped unwritten — when the slot is released.
final class TokenSlot: Sendable {
    private let gateway: Gateway
    private let token: String
    private let held = Mutex(true)

    init(gateway: Gateway, token: String) {
        self.gateway = gateway
        self.token = token
    }

    func release() {
        let wasHeld = held.withLock { held in
            defer { held = false }
            return held
        }
        if wasHeld { gateway.leave(token: token) }
    }

    deinit { release() }
}
