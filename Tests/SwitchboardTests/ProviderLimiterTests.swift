import Synchronization
import SwitchboardConfig
import SwitchboardTestSupport
import Testing

@testable import Switchboard

/// The limiter on its own: the bound, FIFO order, max wait, the deadline, cancellation, release exactly
/// once, per-key preference and a reload's new limits. Waits synchronise on the limiter's own counts,
/// never on sleeps; time bounds are generous.
struct ProviderLimiterTests {
    private static let far = ContinuousClock.now.advanced(by: .seconds(3_600))

    private static func limiter(
        maxInFlight: Int? = 1, perKey: Int? = nil, queue: Int = 0, maxWait: Duration = .seconds(30),
        clock: any EngineClock = SystemClock()
    ) -> ProviderLimiter {
        ProviderLimiter(
            provider: "p",
            limits: ProviderLimits(maxInFlight: maxInFlight, maxInFlightPerKey: perKey, queueSize: queue, maxWait: maxWait),
            clock: clock)
    }

    private static func lease(_ admission: ProviderLimiter.Admission) throws -> LimitLease {
        guard case .granted(let lease) = admission else {
            Issue.record("expected a slot, got \(admission)")
            throw CancellationError()
        }
        return lease
    }

    private static func refusal(_ admission: ProviderLimiter.Admission) -> ProviderLimiter.Refusal? {
        if case .refused(let refusal) = admission { return refusal }
        return nil
    }

    /// Polls until `condition` holds (up to 10 s).
    private static func until(_ condition: () -> Bool) async {
        let end = ContinuousClock.now.advanced(by: .seconds(10))
        while !condition(), ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func grantsUpToTheLimitThenRefusesWhenTheQueueIsFull() async throws {
        let limiter = Self.limiter(maxInFlight: 2, queue: 0)
        let first = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let second = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        #expect(Self.refusal(await limiter.acquire(keys: [nil], deadline: Self.far)) == .queueFull)
        #expect(limiter.counts.inFlight == 2)
        first.release()
        let third = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        second.release()
        third.release()
        #expect(limiter.counts.inFlight == 0)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let limiter = Self.limiter(maxInFlight: 1, queue: 3)
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let order = GrantOrder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 1...3 {
                group.addTask {
                    let lease = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
                    order.append(number)
                    lease.release()
                }
                // Each waiter is in the queue before the next arrives.
                await Self.until { limiter.counts.waiting == number }
            }
            #expect(Self.refusal(await limiter.acquire(keys: [nil], deadline: Self.far)) == .queueFull)
            holder.release()
            try await group.waitForAll()
        }
        #expect(order.numbers == [1, 2, 3])
        #expect(limiter.counts == (0, 0))
    }

    @Test func aWaiterLeavesTheQueueWhenItsMaxWaitPasses() async throws {
        let clock = ManualClock()
        let limiter = Self.limiter(maxInFlight: 1, queue: 1, maxWait: .seconds(30), clock: clock)
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: clock.now.advanced(by: .seconds(3_600))))
        let waiter = Task { await limiter.acquire(keys: [nil], deadline: clock.now.advanced(by: .seconds(3_600))) }
        await clock.waitForSleepers(1)
        await Self.until { limiter.counts.waiting == 1 }
        clock.advance(by: .seconds(29))
        #expect(limiter.counts.waiting == 1, "29 s of a 30 s max_wait: still queued")
        clock.advance(by: .seconds(1))
        #expect(Self.refusal(await waiter.value) == .queueTimeout)
        #expect(limiter.counts.waiting == 0)
        holder.release()
        #expect(limiter.counts.inFlight == 0)
    }

    @Test func aWaitThatWouldPassTheDeadlineIsRefusedAtOnce() async throws {
        let limiter = Self.limiter(maxInFlight: 1, queue: 5, maxWait: .seconds(20))
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let started = ContinuousClock.now
        let deadline = started.advanced(by: .seconds(10))
        #expect(Self.refusal(await limiter.acquire(keys: [nil], deadline: deadline)) == .queueDeadline)
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(limiter.counts.waiting == 0)
        holder.release()
    }

    @Test func aCancelledWaiterLeavesAtOnceAndTakesNoSlot() async throws {
        let limiter = Self.limiter(maxInFlight: 1, queue: 1)
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let waiter = Task { await limiter.acquire(keys: [nil], deadline: Self.far) }
        await Self.until { limiter.counts.waiting == 1 }
        waiter.cancel()
        #expect(Self.refusal(await waiter.value) == .cancelled)
        #expect(limiter.counts.waiting == 0)
        // Its place is free again, and releasing the holder hands the slot to nobody.
        let next = Task { await limiter.acquire(keys: [nil], deadline: Self.far) }
        await Self.until { limiter.counts.waiting == 1 }
        holder.release()
        let lease = try Self.lease(await next.value)
        #expect(limiter.counts == (1, 0))
        lease.release()
        #expect(limiter.counts == (0, 0))
    }

    @Test func aCancelledTaskGetsNoPlaceInTheQueue() async throws {
        let limiter = Self.limiter(maxInFlight: 1, queue: 1)
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await limiter.acquire(keys: [nil], deadline: Self.far)
        }
        #expect(Self.refusal(await cancelled.value) == .cancelled)
        #expect(limiter.counts == (1, 0))
        holder.release()
    }

    @Test func aSlotIsReleasedExactlyOnce() async throws {
        let limiter = Self.limiter(maxInFlight: 2)
        let first = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let second = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        first.release()
        first.release()
        #expect(limiter.counts.inFlight == 1)
        #expect(first.isReleased && !second.isReleased)
        second.release()
        #expect(limiter.counts.inFlight == 0)
    }

    @Test func aDroppedLeaseFreesItsSlot() async throws {
        let limiter = Self.limiter(maxInFlight: 1)
        do {
            _ = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        }
        #expect(limiter.counts.inFlight == 0)
    }

    @Test func aBusyKeyIsPassedOverForOneWithRoomThenTheFirstFreedKeyIsWaitedFor() async throws {
        let limiter = Self.limiter(maxInFlight: nil, perKey: 1, queue: 1)
        let first = try Self.lease(await limiter.acquire(keys: ["k#1", "k#2"], deadline: Self.far))
        let second = try Self.lease(await limiter.acquire(keys: ["k#1", "k#2"], deadline: Self.far))
        #expect(first.key == "k#1" && second.key == "k#2")
        let waiter = Task { await limiter.acquire(keys: ["k#1", "k#2"], deadline: Self.far) }
        await Self.until { limiter.counts.waiting == 1 }
        second.release()
        let third = try Self.lease(await waiter.value)
        #expect(third.key == "k#2")
        #expect(limiter.inFlight(key: "k#1") == 1 && limiter.inFlight(key: "k#2") == 1)
        first.release()
        third.release()
        #expect(limiter.counts == (0, 0))
    }

    @Test func aReloadKeepsCountingAndServesWaitersThatNowFit() async throws {
        let limiter = Self.limiter(maxInFlight: 1, queue: 2)
        let holder = try Self.lease(await limiter.acquire(keys: [nil], deadline: Self.far))
        let waiter = Task { await limiter.acquire(keys: [nil], deadline: Self.far) }
        await Self.until { limiter.counts.waiting == 1 }
        limiter.update(limits: ProviderLimits(maxInFlight: 2, queueSize: 2), metrics: nil)
        let lease = try Self.lease(await waiter.value)
        #expect(limiter.counts == (2, 0))
        // Lowered below what is in flight: nothing new until enough has finished, and never below zero.
        limiter.update(limits: ProviderLimits(maxInFlight: 1), metrics: nil)
        #expect(Self.refusal(await limiter.acquire(keys: [nil], deadline: Self.far)) == .queueFull)
        holder.release()
        #expect(Self.refusal(await limiter.acquire(keys: [nil], deadline: Self.far)) == .queueFull)
        lease.release()
        #expect(limiter.counts == (0, 0))
    }
}

/// The order in which waiters got their slots.
private final class GrantOrder: Sendable {
    private let state = Mutex<[Int]>([])
    var numbers: [Int] { state.withLock { $0 } }
    func append(_ number: Int) { state.withLock { $0.append(number) } }
}
