import CoreMetrics
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Switchboard
import SwitchboardConfig
import SwitchboardUsage
import Synchronization

/// Key state and usage shared between replicas through PostgreSQL.
///
/// Nothing here is on the request path: the engine reports a key it cooled or disabled and a request
/// reports its usage by appending to memory; one background task writes, listens (LISTEN/NOTIFY) and
/// re-reads the state in force every `sync_interval`. When the database is slow or gone, requests go on
/// with local state, the task reconnects with backoff, and usage waits in a bounded buffer past which
/// records are dropped and counted.
public final class SharedState: Service, Sendable {
    public let settings: StateSettings
    public let endpoint: PostgresEndpoint
    /// This process among the replicas (`host:pid`), stored with its usage records.
    public let replica: String
    let logger: Logger
    let metrics: SharedStateMetrics
    /// How long a query, or the work at connect, may go unanswered before the connection is given up
    /// (a database that stops answering without closing the socket, as in a network partition).
    let queryTimeout: Duration
    let engine = Mutex<(@Sendable () -> Switchboard?)>({ nil })
    /// Who is told of changes (`changes()`), by subscription.
    private let watchers = Mutex<(next: Int, all: [Int: AsyncStream<Void>.Continuation])>((0, [:]))
    let state: Mutex<Pending>

    /// Most key changes held while the database is unreachable (the oldest go first).
    static let keyChangeBuffer = 1_000
    /// Usage requests written per statement.
    static let usageBatch = 500
    static let usageFlushInterval = Duration.seconds(1)
    static let connectTimeout = Duration.seconds(5)
    static let backoff = (first: Duration.milliseconds(250), last: Duration.seconds(15))

    struct Pending {
        var keyChanges: [(change: KeyHealthChange, at: ContinuousClock.Instant)] = []
        var usage: [(request: UsageRequestRecord, attempts: [UsageAttemptRecord])] = []
        /// Give the current engine's disabled keys their second chance everywhere (a reload).
        var enableDisabledKeys = false
        /// Fingerprint the current engine's keys and apply the state in force (start or reload).
        var resync = true
        var fingerprints: [KeyReference: String] = [:]
        var references: [String: [KeyReference]] = [:]
        var status: SharedStateStatus
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
        var stopping = false
        /// Since when the writer has been waiting on the database; nil while it sleeps.
        var busySince: ContinuousClock.Instant?
    }

    public init(
        settings: StateSettings, endpoint: PostgresEndpoint, logger: Logger, metricsFactory: (any MetricsFactory)? = nil,
        queryTimeout: Duration = .seconds(15)
    ) {
        self.settings = settings
        self.queryTimeout = queryTimeout
        self.endpoint = endpoint
        self.replica = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: 0...UInt16.max))"
        var logger = logger
        logger[metadataKey: "state"] = "\(endpoint.displayName)"
        self.logger = logger
        self.metrics = SharedStateMetrics(factory: metricsFactory)
        self.state = Mutex(Pending(status: SharedStateStatus(
            database: endpoint.displayName, connected: false, since: Date(), lastError: nil, connectionFailures: 0,
            keyChangesSent: 0, keyChangesReceived: 0, usageBuffered: 0, usageWritten: 0, usageDropped: 0)))
        metrics.connected(false)
    }

    /// Where the engine comes from (the gateway's current one, which a reload replaces).
    public func attach(engine current: @escaping @Sendable () -> Switchboard?) {
        engine.withLock { $0 = current }
        state.withLock { $0.resync = true }
        wake()
    }

    /// The engine was replaced. After a reload, the keys it disabled get their second chance on every
    /// replica, as a reload gives them on one.
    public func engineReplaced(reloaded: Bool) {
        state.withLock { pending in
            pending.resync = true
            if reloaded { pending.enableDisabledKeys = true }
        }
        wake()
    }

    /// The engine's observer: queues a key change to share. Never waits.
    public func keyHealthChanged(_ change: KeyHealthChange) {
        let now = ContinuousClock.now
        state.withLock { pending in
            if pending.keyChanges.count >= Self.keyChangeBuffer { pending.keyChanges.removeFirst() }
            pending.keyChanges.append((change, now))
        }
        wake()
    }

    /// Queues a request's usage for the shared log. Never waits; false when the buffer was full and the
    /// record was dropped (and counted).
    @discardableResult
    public func record(_ request: UsageRequestRecord, attempts: [UsageAttemptRecord]) -> Bool {
        let (kept, full) = state.withLock { pending -> (Bool, Bool) in
            guard pending.usage.count < settings.usageBuffer else {
                pending.status.usageDropped += 1
                return (false, false)
            }
            pending.usage.append((request, attempts))
            pending.status.usageBuffered = pending.usage.count
            return (true, pending.usage.count >= Self.usageBatch)
        }
        if !kept { metrics.usageDropped(1) }
        if full { wake() }
        return kept
    }

    public var status: SharedStateStatus { state.withLock { $0.status } }

    // MARK: - The background task

    public func run() async {
        var failures = 0
        await withGracefulShutdownHandler {
            while !isStopping {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: endpoint.connectionConfiguration(connectTimeout: Self.connectTimeout),
                        id: Int.random(in: 0...Int.max), logger: logger)
                    failures = 0
                    do {
                        try await session(on: connection)
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                } catch {
                    failures += 1
                    disconnected(because: error, failures: failures)
                    await sleep(for: Self.delay(afterFailures: failures))
                }
            }
        } onGracefulShutdown: {
            self.stop()
        }
        let left = state.withLock { $0.usage.count }
        if left > 0 {
            state.withLock { pending in
                pending.status.usageDropped += left
                pending.usage.removeAll()
                pending.status.usageBuffered = 0
            }
            metrics.usageDropped(left)
            logger.error("shared state: stopped with usage records the database never got", metadata: ["dropped": "\(left)"])
        }
        for continuation in watchers.withLock({ Array($0.all.values) }) { continuation.finish() }
    }

    /// Stops the service: the usage still buffered is written if the database is there, and `run()` returns.
    public func stop() {
        state.withLock { $0.stopping = true }
        wake()
    }

    /// The wait before reconnecting: doubling from 250 ms to 15 s, with jitter so that replicas that lost
    /// the database together do not all come back in the same instant.
    static func delay(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures - 1, 0), 10)
        let base = min(backoff.first * (1 << doublings), backoff.last)
        return base * Double.random(in: 0.5...1.0)
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    private func disconnected(because error: any Error, failures: Int) {
        let text = Self.describe(error)
        let wasConnected = state.withLock { pending in
            let was = pending.status.connected
            if was || pending.status.lastError == nil { pending.status.since = Date() }
            pending.status.connected = false
            pending.status.lastError = text
            pending.status.connectionFailures += 1
            return was
        }
        metrics.connected(false)
        metrics.connectionFailed()
        changed()
        // Every failure while it lasts would flood the log: the first of a series is a warning, the rest debug.
        if wasConnected || failures == 1 {
            logger.warning("shared state: database unreachable; requests go on with local key state", metadata: ["error": "\(text)"])
        } else {
            logger.debug("shared state: still unreachable", metadata: ["error": "\(text)", "failures": "\(failures)"])
        }
    }

    /// PostgreSQL errors print their server message; others their description. Never a URL.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    /// Connected: the work below, under a watchdog that gives the connection up when the database stops
    /// answering (a closed connection fails the query in flight, and the service reconnects).
    private func session(on connection: PostgresConnection) async throws {
        state.withLock { $0.busySince = .now }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.watch(connection) }
            group.addTask { try await self.work(on: connection) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func watch(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: min(queryTimeout / 4, .seconds(1)))
            guard let busy = state.withLock({ $0.busySince }), busy.duration(to: .now) > queryTimeout else { continue }
            let _: EventLoopFuture<Void> = connection.close()
            throw SharedStateFailure("the database did not answer for \(queryTimeout)")
        }
    }

    /// Migrate, listen, and write what is queued until the connection fails or the service stops.
    private func work(on connection: PostgresConnection) async throws {
        try await SharedStateSchema.migrate(connection, logger: logger)
        let fingerprinter = KeyFingerprinter(secret: try await SharedStateSchema.fingerprintSecret(connection, logger: logger))
        state.withLock { pending in
            pending.resync = true
            pending.status.connected = true
            pending.status.since = Date()
            pending.status.lastError = nil
        }
        metrics.connected(true)
        changed()
        logger.notice("shared state: connected", metadata: ["replica": "\(replica)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await connection.listen(on: SharedStateSchema.channel) { notifications in
                    for try await notification in notifications { self.received(notification.payload) }
                }
                throw SharedStateFailure("the notification stream ended")
            }
            group.addTask { try await self.writeLoop(on: connection, fingerprinter: fingerprinter) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Applies another replica's change to every key here with that fingerprint.
    func received(_ payload: String) {
        guard let message = KeyHealthMessage.decode(payload) else {
            logger.debug("shared state: ignored a notification that is not a key health message")
            return
        }
        guard message.replica != replica, let engine = engine.withLock({ $0 })() else { return }
        let references = state.withLock { $0.references[message.fingerprint] ?? [] }
        guard !references.isEmpty else { return }
        for reference in references {
            if let change = message.change(for: reference) { engine.applySharedKeyHealth(change) }
        }
        state.withLock { $0.status.keyChangesReceived += 1 }
        changed()
        metrics.keyChange(received: true)
    }

    // MARK: - Telling watchers

    /// An element each time the status changes or shared key state is applied here: connected or lost,
    /// usage written, a change received, the state in force read. What waits for one of these (a test, a
    /// status push) checks its condition again on each instead of polling. Ends when the service stops.
    package func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = watchers.withLock { watchers in
            defer { watchers.next += 1 }
            watchers.all[watchers.next] = continuation
            return watchers.next
        }
        continuation.onTermination = { [weak self] _ in self?.watchers.withLock { _ = $0.all.removeValue(forKey: id) } }
        return stream
    }

    func changed() {
        for continuation in watchers.withLock({ Array($0.all.values) }) { continuation.yield() }
    }

    // MARK: - Waking the writer

    func wake() {
        let waiter = state.withLock { pending -> CheckedContinuation<Void, Never>? in
            if let waiter = pending.waiter {
                pending.waiter = nil
                return waiter
            }
            pending.signalled = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when woken, when `duration` has passed, or when the task is cancelled.
    func sleep(for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: duration)
                    self.wake()
                } catch {}
            }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { pending -> Bool in
                    if pending.signalled || pending.stopping || Task.isCancelled {
                        pending.signalled = false
                        return true
                    }
                    pending.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            // Only the waiter: a signal left behind would cut the next wait short.
            let waiter = self.state.withLock { pending in
                defer { pending.waiter = nil }
                return pending.waiter
            }
            waiter?.resume()
        }
    }
}
