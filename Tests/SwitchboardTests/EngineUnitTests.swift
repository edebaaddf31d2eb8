import Foundation
import SwitchboardConfig
import Testing

@testable import Switchboard

/// The SSE parser: what it yields does not depend on where the network split the bytes.
@Suite struct SSEParserTests {
    static let stream = Array((
        ": a comment\r\n"
        + "event: message\ndata: {\"a\":1}\n\n"
        + "data: line one\ndata: line two\r\n\r\n"
        + "id: 7\ndata:no-space\n\n"
        + "data: {\"emoji\":\"é ✓\"}\r\rdata: [DONE]\n\n"
        + "retry: 100\n\n"
    ).utf8)

    static let expected = [#"{"a":1}"#, "line one\nline two", "no-space", #"{"emoji":"é ✓"}"#, "[DONE]"]

    static func events(splitAt cuts: [Int]) -> [String] {
        var parser = SSEParser()
        var events: [[UInt8]] = []
        var start = 0
        for cut in cuts.sorted() + [stream.count] where cut >= start {
            events += parser.feed(stream[start..<cut])
            start = cut
        }
        return events.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func wholeStream() {
        #expect(Self.events(splitAt: []) == Self.expected)
    }

    @Test func everySingleSplitPoint() {
        for cut in 0...Self.stream.count { #expect(Self.events(splitAt: [cut]) == Self.expected, "split at \(cut)") }
    }

    @Test func byteByByte() {
        #expect(Self.events(splitAt: Array(0...Self.stream.count)) == Self.expected)
    }

    @Test func randomSplits() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let cuts = (0..<Int.random(in: 1...8, using: &generator)).map { _ in Int.random(in: 0...Self.stream.count, using: &generator) }
            #expect(Self.events(splitAt: cuts) == Self.expected, "cuts \(cuts.sorted())")
        }
    }

    @Test func aCutStreamKnowsItHasAPartialEvent() {
        var parser = SSEParser()
        _ = parser.feed(Array("data: {\"a\":".utf8))
        #expect(parser.hasPartialEvent)
        var finished = SSEParser()
        _ = finished.feed(Array("data: x\n\n".utf8))
        #expect(!finished.hasPartialEvent)
    }
}

@Suite struct RetryAfterTests {
    @Test func seconds() {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 1.5 ") == .milliseconds(1_500))
        #expect(RetryAfter.parse("0") == .zero)
    }

    @Test func httpDatesInEachFormHTTPAllows() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-10-21T07:27:00Z"))
        #expect(RetryAfter.parse("Wed, 21 Oct 2026 07:28:00 GMT", now: now) == .seconds(60))
        #expect(RetryAfter.parse("Wednesday, 21-Oct-26 07:28:00 GMT", now: now) == .seconds(60))
        #expect(RetryAfter.parse("Wed Oct 21 07:28:00 2026", now: now) == .seconds(60))
        // A date already past means "now", not a negative wait.
        #expect(RetryAfter.parse("Wed, 21 Oct 2026 07:00:00 GMT", now: now) == .zero)
    }

    @Test func nonsenseAndAbsurdValues() {
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse("-5") == nil)
        #expect(RetryAfter.parse("") == nil)
        #expect(RetryAfter.parse("inf") == nil)
        // A day at most: an upstream cannot park a key for a year.
        #expect(RetryAfter.parse("99999999") == .seconds(86_400))
    }
}

@Suite struct BackoffTests {
    @Test func exponentialUpToTheCap() {
        let backoff = RoutePolicy.Backoff(initial: .milliseconds(100), max: .seconds(1), multiplier: 2, jitter: false)
        #expect((1...6).map { backoff.delay(beforeRetry: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
    }

    @Test func jitterTakesTheUpperHalf() {
        let backoff = RoutePolicy.Backoff(initial: .milliseconds(400), max: .seconds(4), multiplier: 2, jitter: true)
        #expect(backoff.delay(beforeRetry: 1, jitterFactor: 0.5) == .milliseconds(200))
        #expect(backoff.delay(beforeRetry: 2, jitterFactor: 1) == .milliseconds(800))
        for _ in 0..<100 {
            let delay = backoff.delay(beforeRetry: 1)
            #expect(delay >= .milliseconds(200) && delay <= .milliseconds(400))
        }
    }
}

/// Key rings decide with the instant they are given: no clock runs in these tests.
@Suite struct KeyRingTests {
    static func ring(keys: Int = 3, rotation: KeyPool.Rotation = .roundRobin, maxCooldown: Duration = .seconds(3_600)) -> KeyRing {
        let variables = (1...keys).map { "RING_KEY_\($0)" }
        let pool = KeyPool(name: "p", variables: variables, rotation: rotation, maxCooldown: maxCooldown)
        return KeyRing(pool: pool, environment: Dictionary(uniqueKeysWithValues: variables.map { ($0, "value-of-\($0)") }))
    }

    static let reason = KeyRing.Reason(text: "rate_limited cooldown", status: 429)

    @Test func roundRobinTurnsPerTarget() {
        let ring = Self.ring()
        let a = ring.rotationSlot(for: "a/m")
        let b = ring.rotationSlot(for: "b/m")
        #expect(ring.order(slot: a) == [0, 1, 2])
        #expect(ring.order(slot: a) == [1, 2, 0])
        // Another target sharing the pool has its own turn.
        #expect(ring.order(slot: b) == [0, 1, 2])
        #expect(ring.order(slot: a) == [2, 0, 1])
    }

    @Test func orderedAlwaysStartsAtTheFirstKey() {
        let ring = Self.ring(rotation: .ordered)
        let slot = ring.rotationSlot(for: "a/m")
        #expect(ring.order(slot: slot) == [0, 1, 2])
        #expect(ring.order(slot: slot) == [0, 1, 2])
    }

    @Test func aCooldownIsPerTargetEndsOnTimeAndIsNeverShortened() {
        let ring = Self.ring()
        let start = ContinuousClock.now
        ring.coolDown(0, for: "a/m", duration: .seconds(60), reason: Self.reason, now: start)
        #expect(ring.availability(of: 0, for: "a/m", now: start) == .cooling(remaining: .seconds(60)))
        #expect(ring.availability(of: 0, for: "b/m", now: start) == .usable)
        // A shorter cooldown does not cut the running one.
        ring.coolDown(0, for: "a/m", duration: .seconds(5), reason: Self.reason, now: start.advanced(by: .seconds(10)))
        #expect(ring.availability(of: 0, for: "a/m", now: start.advanced(by: .seconds(30))) == .cooling(remaining: .seconds(30)))
        #expect(ring.availability(of: 0, for: "a/m", now: start.advanced(by: .seconds(60))) == .usable)
    }

    @Test func cooldownsAreCappedByThePool() {
        let ring = Self.ring(maxCooldown: .seconds(30))
        let start = ContinuousClock.now
        ring.coolDown(1, for: "a/m", duration: .seconds(600), reason: Self.reason, now: start)
        #expect(ring.availability(of: 1, for: "a/m", now: start) == .cooling(remaining: .seconds(30)))
    }

    @Test func aDisabledKeyIsOutForEveryTargetAndKeepsItsFirstReason() {
        let ring = Self.ring()
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        ring.disable(2, reason: KeyRing.Reason(text: "unauthorized", status: 401), at: since)
        ring.disable(2, reason: KeyRing.Reason(text: "forbidden", status: 403), at: since.addingTimeInterval(5))
        #expect(ring.availability(of: 2, for: "a/m") == .disabled)
        #expect(ring.availability(of: 2, for: "b/m") == .disabled)
        #expect(ring.state(of: 2, for: "a/m") == .disabled(since: since, reason: KeyRing.Reason(text: "unauthorized", status: 401)))
    }

    @Test func theCensusIsPerTargetAndOnlyTakenWhenSomethingChanged() {
        let ring = Self.ring()
        _ = ring.rotationSlot(for: "a/m")
        _ = ring.rotationSlot(for: "b/m")
        let start = ContinuousClock.now
        #expect(ring.censusIfChanged(now: start)?.map(\.census) == [
            KeyRing.Census(healthy: 3, cooling: 0, disabled: 0), KeyRing.Census(healthy: 3, cooling: 0, disabled: 0),
        ])
        #expect(ring.censusIfChanged(now: start) == nil)
        ring.coolDown(0, for: "a/m", duration: .seconds(10), reason: Self.reason, now: start)
        ring.disable(1, reason: KeyRing.Reason(text: "unauthorized", status: 401))
        let census = ring.censusIfChanged(now: start)
        #expect(census?.map(\.scope) == ["a/m", "b/m"])
        #expect(census?.map(\.census) == [
            KeyRing.Census(healthy: 1, cooling: 1, disabled: 1), KeyRing.Census(healthy: 2, cooling: 0, disabled: 1),
        ])
        // The cooldown's end changes the census again, with no call in between.
        #expect(ring.censusIfChanged(now: start.advanced(by: .seconds(5))) == nil)
        #expect(ring.censusIfChanged(now: start.advanced(by: .seconds(10)))?.first?.census
                == KeyRing.Census(healthy: 2, cooling: 0, disabled: 1))
    }

    @Test func aReloadKeepsCooldownsButGivesDisabledKeysAnotherChance() {
        let old = Self.ring()
        let start = ContinuousClock.now
        old.coolDown(0, for: "a/m", duration: .seconds(60), reason: Self.reason, now: start)
        old.disable(1, reason: KeyRing.Reason(text: "unauthorized", status: 401))
        let new = Self.ring()
        #expect(new.isSamePool(as: old))
        new.inheritCooldowns(from: old)
        #expect(new.availability(of: 0, for: "a/m", now: start) == .cooling(remaining: .seconds(60)))
        #expect(new.availability(of: 1, for: "a/m", now: start) == .usable)
    }
}
