import Logging
import ServiceLifecycle
import SwitchboardConfig
import Synchronization

/// Collects usage records from the request path and writes them to a `UsageStore` in batches.
///
/// `record(_:attempts:)` never waits: it appends to a bounded in-memory buffer under a short lock and
/// returns. When the buffer is full the record is dropped and counted, so a slow or stuck disk costs
/// usage rows, never request latency. A writer (`run()`, a swift-service-lifecycle `Service`) writes what
/// is waiting every `batchInterval`, or sooner once `batchSize` requests are waiting, and writes the rest
/// on graceful shutdown or cancellation.
///
/// Durability: records live only in memory until their batch commits, so a crash (or SIGKILL) loses at
/// most the records of one batch window — those recorded in the last `batchInterval`, plus a backlog if
/// the disk has fallen behind. A graceful shutdown loses nothing.
public final class UsageRecorder: Service, Sendable {
    /// What happened to the requests handed to `record`. Attempts travel with their request and are not
    /// counted separately.
    public struct Counters: Sendable, Hashable {
        /// Accepted into the buffer.
        public var recorded = 0
        /// Committed to the database.
        public var written = 0
        /// Refused because the buffer was full, or lost because their batch failed to write.
        public var dropped = 0
        /// Waiting in the buffer now.
        public var buffered = 0

        public init(recorded: Int = 0, written: Int = 0, dropped: Int = 0, buffered: Int = 0) {
            self.recorded = recorded
            self.written = written
            self.dropped = dropped
            self.buffered = buffered
        }
    }

    public let store: UsageStore
    public let batchInterval: Duration
    public let batchSize: Int
    public let bufferSize: Int
    private let logger: Logger
    private let state: Mutex<State>
    /// Held while a batch is taken from the buffer and queued on GRDB's (serial) writer, so batches
    /// commit in the order they were taken and a `flush()` waits for every batch taken before it.
    private let queueing = Mutex(())

    public init(
        store: UsageStore, batchInterval: Duration = UsageSettings.defaultBatchInterval,
        batchSize: Int = UsageSettings.defaultBatchSize, bufferSize: Int = UsageSettings.defaultBufferSize,
        logger: Logger = Logger(label: "switchboard.usage")
    ) {
        precondition(batchInterval > .zero && batchSize > 0 && bufferSize > 0, "usage batching limits must be positive")
        self.store = store
        self.batchInterval = batchInterval
        self.batchSize = batchSize
        self.bufferSize = bufferSize
        self.logger = logger
        self.state = Mutex(State())
    }

    /// The recorder providers.yaml's `usage:` block asks for, or nil when it sets no `path`.
    /// A relative path is taken from the directory of `configurationFile`.
    public static func open(
        settings: UsageSettings, configurationFile: String, logger: Logger = Logger(label: "switchboard.usage")
    ) throws -> UsageRecorder? {
        guard let path = settings.resolvedPath(relativeTo: configurationFile) else { return nil }
        return UsageRecorder(
            store: try UsageStore(path: path), batchInterval: settings.batchInterval, batchSize: settings.batchSize,
            bufferSize: settings.bufferSize, logger: logger)
    }

    public var counters: Counters {
        state.withLock { state in
            var counters = state.counters
            counters.buffered = state.buffer.count
            return counters
        }
    }

    // MARK: - The request path

    /// Queues a request and its attempts for the next batch. Returns false, without blocking, when the
    /// buffer is full and the record was dropped.
    @discardableResult
    public func record(_ request: UsageRequestRecord, attempts: [UsageAttemptRecord] = []) -> Bool {
        let entry = Entry(request: request, attempts: attempts)
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard state.buffer.count < bufferSize else {
                state.counters.dropped += 1
                state.droppedSinceLog += 1
                return (false, nil)
            }
            state.buffer.append(entry)
            state.counters.recorded += 1
            // Exactly at the threshold, so a backlog does not wake the writer on every record.
            return (true, state.buffer.count == batchSize ? state.wake() : nil)
        }
        waiter?.resume()
        return accepted
    }

    // MARK: - The writer

    /// Writes batches until graceful shutdown or cancellation, then writes everything still buffered.
    ///
    /// In a `ServiceGroup`, list the recorder ahead of the services that record (the HTTP server): the
    /// group stops services in reverse order, so the server's last requests are recorded before this
    /// final write. Records arriving after `run()` returns stay buffered until `flush()`.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: batchInterval)
                    wake()
                }
            }
            var lastDropLog = ContinuousClock.now - batchInterval
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    while await waitForWake() {
                        try? await writeBuffered(barrier: false)
                        logDrops(since: &lastDropLog, force: false)
                    }
                } onCancel: {
                    stop()
                }
            } onGracefulShutdown: {
                self.stop()
            }
            group.cancelAll()
            try? await writeBuffered(barrier: false)
            logDrops(since: &lastDropLog, force: true)
        }
    }

    /// Writes everything recorded before the call, and returns when it is committed.
    public func flush() async throws {
        try await writeBuffered(barrier: true)
    }

    /// Writes the buffer in batches of at most `batchSize`, each in one transaction. With `barrier`, an
    /// empty buffer still queues an empty write, whose completion means every batch queued earlier (by
    /// any caller) has committed. Throws the first write error after trying every batch.
    private func writeBuffered(barrier: Bool) async throws {
        var firstError: (any Error)?
        var evenIfEmpty = barrier
        while let outcome = await writeNextBatch(evenIfEmpty: evenIfEmpty) {
            evenIfEmpty = false
            if let error = outcome.error {
                state.withLock { state in
                    state.counters.dropped += outcome.count
                    state.droppedSinceLog += outcome.count
                }
                logger.error("usage batch not written", metadata: ["count": "\(outcome.count)", "error": "\(error)"])
                firstError = firstError ?? error
            } else {
                state.withLock { $0.counters.written += outcome.count }
            }
        }
        if let firstError { throw firstError }
    }

    private struct BatchOutcome: Sendable {
        var count: Int
        var error: (any Error)?
    }

    /// Takes one batch, queues its write and waits for the commit; nil when there was nothing to write.
    private func writeNextBatch(evenIfEmpty: Bool) async -> BatchOutcome? {
        await withCheckedContinuation { (continuation: CheckedContinuation<BatchOutcome?, Never>) in
            let queued = queueing.withLock { _ in
                let batch = takeBatch()
                guard !batch.isEmpty || evenIfEmpty else { return false }
                let count = batch.count
                store.enqueueInsert(requests: batch.map(\.request), attempts: batch.flatMap(\.attempts)) { result in
                    switch result {
                    case .success: continuation.resume(returning: BatchOutcome(count: count))
                    case .failure(let error): continuation.resume(returning: BatchOutcome(count: count, error: error))
                    }
                }
                return true
            }
            if !queued { continuation.resume(returning: nil) }
        }
    }

    // MARK: - Internals

    struct Entry: Sendable {
        var request: UsageRequestRecord
        var attempts: [UsageAttemptRecord]
    }

    struct State: ~Copyable {
        var buffer: [Entry] = []
        var counters = Counters()
        var droppedSinceLog = 0
        var stopping = false
        /// A wake that arrived while the writer was busy; it runs another round at once.
        var wakePending = false
        var waiter: CheckedContinuation<Void, Never>?

        /// The writer's continuation to resume, or nil after noting the wake for its next wait.
        mutating func wake() -> CheckedContinuation<Void, Never>? {
            guard let waiter else {
                wakePending = true
                return nil
            }
            self.waiter = nil
            return waiter
        }
    }

    private func wake() {
        state.withLock { $0.wake() }?.resume()
    }

    private func stop() {
        state.withLock { state in
            state.stopping = true
            return state.wake()
        }?.resume()
    }

    /// Waits for a tick, a full batch or a stop; false once stopping.
    private func waitForWake() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                guard !state.wakePending && !state.stopping else {
                    state.wakePending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return !state.withLock { $0.stopping }
    }

    /// Up to `batchSize` of the oldest entries. The common case swaps the whole buffer for an empty one
    /// reserved outside the lock, so `record` never waits on an allocation or a copy.
    private func takeBatch() -> [Entry] {
        var batch: [Entry] = []
        batch.reserveCapacity(min(batchSize, bufferSize))
        state.withLock { state in
            if state.buffer.count <= batchSize {
                swap(&batch, &state.buffer)
            } else {
                batch = Array(state.buffer.prefix(batchSize))
                state.buffer.removeFirst(batchSize)
            }
        }
        return batch
    }

    private func logDrops(since last: inout ContinuousClock.Instant, force: Bool) {
        let now = ContinuousClock.now
        guard force || now - last >= batchInterval else { return }
        let dropped = state.withLock { state in
            defer { state.droppedSinceLog = 0 }
            return state.droppedSinceLog
        }
        guard dropped > 0 else { return }
        last = now
        logger.warning("usage records dropped", metadata: [
            "count": "\(dropped)", "buffer_size": "\(bufferSize)",
            "reason": "buffer full or write failed; raise usage.buffer_size or check the disk",
        ])
    }
}
