import NIOCore
import Synchronization

/// Runs `operation`, but gives up at `deadline` with a timeout failure, cancelling it. Upstream calls
/// carry their own deadline too; this also bounds adapters that ignore theirs (the caller gets its
/// timeout at the deadline even if the operation never returns).
///
/// The clock is a timer on an event loop, not a sleeping task: a task per attempt that sleeps until the
/// deadline costs a task, a dispatch timer that outlives the request, and thread wake-ups, which showed
/// on the overhead benchmark.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, timers: EventLoopTimers,
    _ operation: @escaping @Sendable () async throws(UpstreamFailure) -> T
) async throws(UpstreamFailure) -> T {
    let race = DeadlineRace<T>()
    let result = await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, UpstreamFailure>, Never>) in
            race.start(continuation)
            let task = Task {
                let result: Result<T, UpstreamFailure>
                do throws(UpstreamFailure) {
                    result = .success(try await operation())
                } catch {
                    result = .failure(error)
                }
                race.finish(result)
            }
            race.attach(task: task, timer: timers.schedule(at: deadline) {
                race.finish(.failure(.transport(.timeout, "no answer before the attempt deadline")))
            })
        }
    } onCancel: {
        race.cancel()
    }
    return try result.get()
}

/// Who resumes first, the operation or the timer; the other is cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        /// Set by `start` before the operation or the timer exists; nil again once one of them finished.
        var continuation: CheckedContinuation<Result<T, UpstreamFailure>, Never>?
        var task: Task<Void, Never>?
        var timer: Scheduled<Void>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Result<T, UpstreamFailure>, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The operation's task and the timer, once both exist; either may already have finished.
    func attach(task: Task<Void, Never>, timer: Scheduled<Void>) {
        let (finished, cancelled) = state.withLock { state -> (Bool, Bool) in
            state.task = task
            state.timer = timer
            return (state.continuation == nil, state.cancelled)
        }
        if finished || cancelled {
            timer.cancel()
            task.cancel()
        }
    }

    func finish(_ result: Result<T, UpstreamFailure>) {
        let (continuation, task, timer) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.task, state.timer)
        }
        guard let continuation else { return }
        timer?.cancel()
        // When the timer won, the operation is told to stop; when the operation won, this is a no-op.
        task?.cancel()
        continuation.resume(returning: result)
    }

    /// The caller was cancelled: stop the operation, which then finishes with its own failure.
    func cancel() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
