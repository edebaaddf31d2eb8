import Foundation
import Synchronization

/// The last hour of usage in memory, minute by minute, from the same records the usage store keeps and
/// with the same definitions as its reports: what the status page shows when there is no store, and its
/// charts always. Bounded: sixty minutes of per-group tallies, however busy the gateway is.
///
/// Time is the records' own (`time`) and the `now` a reader passes, so tests decide it.
public final class LiveUsage: Sendable {
    /// Minutes kept.
    public static let minutes = 60

    private let state = Mutex(State())

    private struct State {
        /// Tallies by minute (Unix time ÷ 60).
        var buckets: [Int: Bucket] = [:]
    }

    /// One minute's tallies.
    struct Bucket: Sendable {
        var routes: [String: Tally] = [:]
        /// By route, then target: a target shared by two routes has figures in each.
        var targets: [String: [String: Tally]] = [:]
        var keys: [String: Int] = [:]

        func tallies(_ grouping: Grouping) -> [String: Tally] {
            switch grouping {
            case .route: routes
            case .targets(let route): targets[route] ?? [:]
            }
        }
    }

    /// Running figures of one route or target over some minutes.
    struct Tally: Sendable {
        var requests = 0
        var attempts = 0
        var successes = 0
        var latency = LatencyHistogram()
        var errors: [String: Int] = [:]
        var failedOver = 0
        var keyUsage: [String: Int] = [:]
        var tokensIn = 0
        var tokensOut = 0
        var cost = 0.0
        var costUnknown = 0

        mutating func merge(_ other: Tally) {
            requests += other.requests
            attempts += other.attempts
            successes += other.successes
            latency.merge(other.latency)
            errors.merge(other.errors, uniquingKeysWith: +)
            failedOver += other.failedOver
            keyUsage.merge(other.keyUsage, uniquingKeysWith: +)
            tokensIn += other.tokensIn
            tokensOut += other.tokensOut
            cost += other.cost
            costUnknown += other.costUnknown
        }

        mutating func addSpending(of request: UsageRequestRecord) {
            tokensIn += request.tokensIn ?? 0
            tokensOut += request.tokensOut ?? 0
            guard request.succeeded else { return }
            if let cost = request.cost { self.cost += cost } else { costUnknown += 1 }
        }

        /// The summary, counting success per request (`perRequest`, a route) or per attempt (a target),
        /// as the store's reports do.
        func summary(name: String, perRequest: Bool) -> UsageGroupSummary {
            let successBase = perRequest ? requests : attempts
            return UsageGroupSummary(
                name: name, requests: requests, attempts: attempts, successes: successes,
                successRate: successBase > 0 ? Double(successes) / Double(successBase) : nil,
                latencyP50: latency.percentile(0.5), latencyP95: latency.percentile(0.95), errors: errors,
                failoverRate: requests > 0 ? Double(failedOver) / Double(requests) : nil, keyUsage: keyUsage,
                tokensIn: tokensIn, tokensOut: tokensOut, cost: cost, costUnknown: costUnknown)
        }
    }

    public init() {}

    /// Adds a finished request and its attempts, in the minute the request arrived.
    public func record(_ request: UsageRequestRecord, attempts: [UsageAttemptRecord]) {
        let minute = Self.minute(of: request.time)
        state.withLock { state in
            var bucket = state.buckets.removeValue(forKey: minute) ?? Bucket()
            Self.add(request, attempts: attempts, to: &bucket)
            state.buckets[minute] = bucket
            // Forget what has left the hour.
            if state.buckets.count > Self.minutes + 1 {
                let oldest = (state.buckets.keys.max() ?? minute) - Self.minutes
                state.buckets = state.buckets.filter { $0.key > oldest }
            }
        }
    }

    private static func add(_ request: UsageRequestRecord, attempts: [UsageAttemptRecord], to bucket: inout Bucket) {
        let routeName = request.route.isEmpty ? UsageReport.none : request.route
        bucket.routes[routeName, default: Tally()].apply { tally in
            tally.requests += 1
            tally.latency.add(milliseconds: request.latency.inMilliseconds)
            if request.succeeded { tally.successes += 1 } else { tally.errors[request.outcome, default: 0] += 1 }
            if request.failovers > 0 { tally.failedOver += 1 }
            tally.addSpending(of: request)
        }
        var touched: Set<String> = []
        for attempt in attempts {
            let target = UsageGrouping.targetName(provider: attempt.provider, model: attempt.model)
            let first = touched.insert(target).inserted
            let madeCall = UsageAttemptRecord.madeCall(attempt.outcome)
            let key = attempt.keyLabel ?? UsageReport.noKey
            if madeCall {
                bucket.routes[routeName]?.attempts += 1
                bucket.routes[routeName]?.keyUsage[key, default: 0] += 1
                if let label = attempt.keyLabel { bucket.keys[label, default: 0] += 1 }
            }
            bucket.targets[routeName, default: [:]][target, default: Tally()].apply { tally in
                if first {
                    tally.requests += 1
                    if request.failovers > 0 { tally.failedOver += 1 }
                }
                guard madeCall else {
                    tally.errors[attempt.outcome, default: 0] += 1
                    return
                }
                tally.attempts += 1
                tally.keyUsage[key, default: 0] += 1
                tally.latency.add(milliseconds: attempt.latency.inMilliseconds)
                if attempt.outcome == UsageAttemptRecord.success { tally.successes += 1 } else {
                    tally.errors[attempt.outcome, default: 0] += 1
                }
            }
        }
        // Tokens and cost count for the target that answered (or was last tried).
        if let provider = request.provider {
            bucket.targets[routeName]?[UsageGrouping.targetName(provider: provider, model: request.model)]?
                .addSpending(of: request)
        }
    }

    // MARK: - Reading

    /// Summaries over the `minutes` minutes up to `now` (the current minute included), by route or by
    /// target of one route.
    public func summaries(by grouping: Grouping, minutes: Int, now: Date = Date()) -> [String: UsageGroupSummary] {
        let buckets = recentBuckets(minutes: minutes, now: now)
        var tallies: [String: Tally] = [:]
        for (_, bucket) in buckets {
            for (name, tally) in bucket.tallies(grouping) { tallies[name, default: Tally()].merge(tally) }
        }
        return tallies.reduce(into: [:]) { $0[$1.key] = $1.value.summary(name: $1.key, perRequest: grouping == .route) }
    }

    /// One summary per minute, oldest first, for each route or target seen in the last `minutes` minutes;
    /// a minute without traffic has a summary with no requests.
    public func series(by grouping: Grouping, minutes: Int, now: Date = Date()) -> [String: [UsageGroupSummary]] {
        let current = Self.minute(of: now)
        let buckets = Dictionary(uniqueKeysWithValues: recentBuckets(minutes: minutes, now: now))
        var names: Set<String> = []
        for bucket in buckets.values { names.formUnion(bucket.tallies(grouping).keys) }
        var series: [String: [UsageGroupSummary]] = [:]
        for name in names {
            series[name] = (current - minutes + 1...current).map { minute in
                let tally = buckets[minute]?.tallies(grouping)[name] ?? Tally()
                return tally.summary(name: name, perRequest: grouping == .route)
            }
        }
        return series
    }

    /// Upstream calls per key label over the last `minutes` minutes.
    public func keyUsage(minutes: Int, now: Date = Date()) -> [String: Int] {
        recentBuckets(minutes: minutes, now: now).reduce(into: [:]) { usage, entry in
            usage.merge(entry.bucket.keys, uniquingKeysWith: +)
        }
    }

    public enum Grouping: Sendable, Hashable {
        case route
        /// The targets of one route, named `provider [model]`.
        case targets(ofRoute: String)
    }

    private func recentBuckets(minutes: Int, now: Date) -> [(minute: Int, bucket: Bucket)] {
        let current = Self.minute(of: now)
        return state.withLock { state in
            state.buckets.filter { $0.key > current - minutes && $0.key <= current }.map { ($0.key, $0.value) }
        }
    }

    static func minute(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 60).rounded(.down)) }
}

extension LiveUsage.Tally {
    fileprivate mutating func apply(_ edit: (inout Self) -> Void) { edit(&self) }
}
