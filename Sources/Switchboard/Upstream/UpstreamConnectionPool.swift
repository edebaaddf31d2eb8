import NIOCore
import Synchronization

/// The idle keep-alive connections of a client, by origin. A request takes a connection on its own event
/// loop when one of the most recent is there (no thread hop), otherwise the most recently used one
/// (likeliest still open); connections idle for a minute are closed.
final class UpstreamConnectionPool: Sendable {
    struct IdleConnection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<UpstreamExchangeHandler>
        let since: NIODeadline
    }

    private struct State {
        var idle: [UpstreamURL.Origin: [IdleConnection]] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())
    private let sweeper: any EventLoop
    /// How long an unused connection is kept (AsyncHTTPClient's default too).
    static let idleTimeout = TimeAmount.seconds(60)
    /// The most idle connections kept per origin; a burst's extra connections are closed.
    static let maxIdlePerOrigin = 1_024
    /// How many of the most recent idle connections are searched for one on the caller's loop.
    private static let loopSearchDepth = 8
    private static let sweepInterval = TimeAmount.seconds(15)

    init(sweeper: any EventLoop) {
        self.sweeper = sweeper
    }

    /// An idle connection to `origin`, on `loop` if one of the most recent is there. It may have closed
    /// since it was put back: the caller checks on its loop.
    func take(_ origin: UpstreamURL.Origin, preferring loop: any EventLoop) -> IdleConnection? {
        state.withLock { state -> IdleConnection? in
            guard let count = state.idle[origin]?.count, count > 0 else { return nil }
            let preferred = ObjectIdentifier(loop)
            var index = count - 1
            while index >= max(0, count - Self.loopSearchDepth) {
                if let connection = state.idle[origin]?[index], ObjectIdentifier(connection.channel.eventLoop) == preferred {
                    return state.idle[origin]?.remove(at: index)
                }
                index -= 1
            }
            return state.idle[origin]?.popLast()
        }
    }

    /// Keeps a connection for the next request to `origin`; called on the connection's loop.
    func put(_ channel: any Channel, handler: UpstreamExchangeHandler, for origin: UpstreamURL.Origin) {
        guard channel.isActive else { return }
        let connection = IdleConnection(
            channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), since: .now())
        let (kept, startSweep) = state.withLock { state -> (Bool, Bool) in
            if state.idle[origin, default: []].count >= Self.maxIdlePerOrigin {
                state.idle[origin]?.removeAll { !$0.channel.isActive }
            }
            guard state.idle[origin, default: []].count < Self.maxIdlePerOrigin else { return (false, false) }
            state.idle[origin, default: []].append(connection)
            defer { state.sweeping = true }
            return (true, !state.sweeping)
        }
        if !kept { channel.close(promise: nil) }
        if startSweep { scheduleSweep() }
    }

    /// Closes every idle connection (an engine shutting down); the pool stays usable.
    func closeAll() {
        let all = state.withLock { state -> [IdleConnection] in
            defer { state.idle = [:] }
            return Array(state.idle.values.joined())
        }
        for connection in all { connection.channel.close(promise: nil) }
    }

    private func scheduleSweep() {
        sweeper.scheduleTask(in: Self.sweepInterval) {
            let oldest = NIODeadline.now() - Self.idleTimeout
            let (stale, more) = self.state.withLock { state -> ([IdleConnection], Bool) in
                var stale: [IdleConnection] = []
                for (origin, connections) in state.idle {
                    var kept: [IdleConnection] = []
                    for connection in connections {
                        if connection.since > oldest, connection.channel.isActive {
                            kept.append(connection)
                        } else {
                            stale.append(connection)
                        }
                    }
                    state.idle[origin] = kept.isEmpty ? nil : kept
                }
                state.sweeping = !state.idle.isEmpty
                return (stale, state.sweeping)
            }
            for connection in stale { connection.channel.close(promise: nil) }
            if more { self.scheduleSweep() }
        }
    }
}
