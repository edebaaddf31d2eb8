import Dispatch
import Synchronization

/// Hands event batches from the thread that reads the file to the thread that builds the tree. Holds a
/// few batches at most, so a large file never sits in memory twice as events.
///
/// The reader stops early once the builder has given up (`cancel`): the builder then keeps taking until
/// the last batch, so the reader never waits on a full queue that nobody empties.
final class EventBatchQueue: Sendable {
    private let batches = Mutex<[EventBatch]>([])
    private let cancelled = Atomic<Bool>(false)
    /// Free places in the queue, and batches waiting in it.
    private let free: DispatchSemaphore
    private let waiting = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        free = DispatchSemaphore(value: capacity)
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Adds a batch, waiting for a free place.
    func put(_ batch: EventBatch) {
        free.wait()
        batches.withLock { $0.append(batch) }
        waiting.signal()
    }

    /// The oldest batch, waiting for one.
    func take() -> EventBatch {
        waiting.wait()
        let batch = batches.withLock { $0.removeFirst() }
        free.signal()
        return batch
    }

    /// Tells the reader to stop; it still sends a last batch.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }
}
