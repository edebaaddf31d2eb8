/// Runs `operation`, but gives up at `deadline` with a timeout failure, cancelling it. Upstream calls
/// carry their own deadline too; this also bounds adapters that ignore theirs.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws(UpstreamFailure) -> T
) async throws(UpstreamFailure) -> T {
    let result: Result<T, UpstreamFailure> = await withTaskGroup(of: Result<T, UpstreamFailure>?.self) { group in
        group.addTask {
            do throws(UpstreamFailure) {
                return .success(try await operation())
            } catch {
                return .failure(error)
            }
        }
        group.addTask {
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return nil  // cancelled because the operation finished first
            }
            return .failure(.transport(.timeout, "no answer before the attempt deadline"))
        }
        var outcome: Result<T, UpstreamFailure> = .failure(.transport(.timeout, "no answer before the attempt deadline"))
        for await value in group {
            if let value {
                outcome = value
                break
            }
        }
        group.cancelAll()
        return outcome
    }
    return try result.get()
}
