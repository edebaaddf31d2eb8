import NIOCore
import Synchronization

/// One stream's figures, in microseconds.
struct StreamMeasure {
    var events = 0
    var firstEvent: Int?
    /// Until the first event with text in it: what a reader waits for (a relay may hold the role chunk back).
    var firstToken: Int?
    /// Between consecutive events' arrivals; events that arrive in one read are 0 apart.
    var gaps: [Int] = []
}

/// What all streams measured. Streams report once, when they finish, under a lock (uncontended with the
/// default single event loop); the last one to report completes `allDone`.
final class LoadTally: Sendable {
    private struct State {
        var finished = 0
        var ok = 0
        var events = 0
        var eventsPerStream: [Int] = []
        var firstEvent: [Int] = []
        var firstToken: [Int] = []
        var gaps: [Int] = []
        var errorKinds: [String: Int] = [:]
        var firstErrors: [String] = []
    }

    private let streams: Int
    private let promise: EventLoopPromise<Void>
    private let state = Mutex(State())

    init(streams: Int, promise: EventLoopPromise<Void>) {
        self.streams = streams
        self.promise = promise
    }

    var allDone: EventLoopFuture<Void> { promise.futureResult }
    /// Up to three errors, described.
    var firstErrors: [String] { state.withLock { $0.firstErrors } }

    func finish(stream index: Int, _ measure: StreamMeasure, error: (kind: String, detail: String)?) {
        let done = state.withLock { state -> Bool in
            state.finished += 1
            state.events += measure.events
            state.eventsPerStream.append(measure.events)
            if let first = measure.firstEvent { state.firstEvent.append(first) }
            if let first = measure.firstToken { state.firstToken.append(first) }
            state.gaps.append(contentsOf: measure.gaps)
            if let error {
                state.errorKinds[error.kind, default: 0] += 1
                if state.firstErrors.count < 3 { state.firstErrors.append("stream \(index): \(error.kind): \(error.detail)") }
            } else {
                state.ok += 1
            }
            return state.finished == streams
        }
        if done { promise.succeed(()) }
    }

    /// The one JSON line. Besides the figures asked for, `ttft_p50_us`/`ttft_p99_us` (first event with text),
    /// which bench/streams.sh reports.
    func summary(wallMilliseconds: Int) -> String {
        state.withLock { state in
            let kinds = state.errorKinds.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
            let gaps = state.gaps.sorted()
            let firstEvent = state.firstEvent.sorted(), firstToken = state.firstToken.sorted()
            return "{\"streams\":\(streams),\"ok\":\(state.ok),\"errors\":\(streams - state.ok),\"error_kinds\":{\(kinds)},"
                + "\"events\":\(state.events),\"events_per_stream_p50\":\(Self.percentile(state.eventsPerStream.sorted(), 50)),"
                + "\"ttfe_p50_us\":\(Self.percentile(firstEvent, 50)),\"ttfe_p99_us\":\(Self.percentile(firstEvent, 99)),"
                + "\"ttft_p50_us\":\(Self.percentile(firstToken, 50)),\"ttft_p99_us\":\(Self.percentile(firstToken, 99)),"
                + "\"gap_p50_us\":\(Self.percentile(gaps, 50)),\"gap_p99_us\":\(Self.percentile(gaps, 99)),"
                + "\"gap_max_us\":\(gaps.last ?? 0),\"wall_ms\":\(wallMilliseconds)}"
        }
    }

    /// Nearest rank: the smallest value with at least `percent`% of the values at or below it (0 when none).
    static func percentile(_ sorted: [Int], _ percent: Int) -> Int {
        guard !sorted.isEmpty else { return 0 }
        let rank = (percent * sorted.count + 99) / 100
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
