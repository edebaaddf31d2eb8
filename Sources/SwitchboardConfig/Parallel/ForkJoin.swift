import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs two halves of a job at once, one on a Dispatch worker and one on the calling thread, and waits
/// for both. Large files are linted on the machine's second core this way; with one core, or for small
/// jobs, callers run the halves one after the other.
///
/// Plain blocking threads rather than Swift concurrency: the linter and `SwitchboardConfiguration.load`
/// are synchronous, and a cooperative-pool task that blocks would starve the pool.
enum ForkJoin {
    /// Whether there is a second core to use.
    static let isWorthwhile: Bool = {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        return sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1
        #else
        return false
        #endif
    }()

    /// Runs `remote` on a worker thread while `local` runs here; returns both results.
    static func run<Local, Remote: Sendable>(
        _ local: () -> Local, alongside remote: @escaping @Sendable () -> Remote
    ) -> (Local, Remote) {
        let outcome = Outcome<Remote>()
        let done = DispatchSemaphore(value: 0)
        // A queue of its own rather than the global one: a private queue is served by a thread of its own
        // at once, where the global pool, when all its workers are busy or blocked (in other fork-joins,
        // say), adds a thread only once it notices the stall.
        DispatchQueue(label: "switchboard.config.fork-join").async {
            outcome.store(remote())
            done.signal()
        }
        let localResult = local()
        done.wait()
        return (localResult, outcome.take())
    }

    /// Where the worker leaves its result; the semaphore orders the store before the take.
    private final class Outcome<Value: Sendable>: Sendable {
        private let value = Mutex<Value?>(nil)

        func store(_ result: Value) {
            value.withLock { $0 = result }
        }

        func take() -> Value {
            value.withLock { stored in
                guard let result = stored.take() else { preconditionFailure("ForkJoin: the worker left no result") }
                return result
            }
        }
    }
}
