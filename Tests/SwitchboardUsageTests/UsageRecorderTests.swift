import Foundation
import Logging
import ServiceLifecycle
import SwitchboardConfig
import SwitchboardUsage
import Synchronization
import Testing

struct UsageRecorderTests {
    @Test func recordsAppearAfterAFlush() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .seconds(3_600))
        #expect(recorder.record(Sample.request("r1"), attempts: [Sample.attempt("r1"), Sample.attempt("r1")]))
        #expect(recorder.record(Sample.request("r2")))
        #expect(try store.requestCount() == 0)
        #expect(recorder.counters == .init(recorded: 2, written: 0, dropped: 0, buffered: 2))
        try await recorder.flush()
        #expect(try store.requestCount() == 2)
        #expect(try store.attemptCount() == 2)
        #expect(recorder.counters == .init(recorded: 2, written: 2, dropped: 0, buffered: 0))
        try await recorder.flush()
        #expect(recorder.counters.written == 2)
    }

    @Test func theWriterFlushesEveryInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .milliseconds(50), batchSize: 1_000)
        let writer = Task { await recorder.run() }
        defer { writer.cancel() }
        for index in 0..<3 { recorder.record(Sample.request("r\(index)")) }
        #expect(try await eventually { try store.requestCount() == 3 })
        recorder.record(Sample.request("r3"))
        #expect(try await eventually { try store.requestCount() == 4 })
    }

    @Test func aFullBatchIsWrittenBeforeTheIntervalEnds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .seconds(3_600), batchSize: 5)
        let writer = Task { await recorder.run() }
        defer { writer.cancel() }
        for index in 0..<4 { recorder.record(Sample.request("r\(index)")) }
        // Four of five: held in memory, not written (the interval is an hour away).
        #expect(recorder.counters.buffered == 4)
        #expect(try store.requestCount() == 0)
        recorder.record(Sample.request("r4"))
        #expect(try await eventually { try store.requestCount() == 5 })
    }

    @Test func aFullBufferDropsAndCountsWithoutBlocking() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .seconds(3_600), batchSize: 100, bufferSize: 10)
        let started = ContinuousClock.now
        let accepted = (0..<10_000).map { recorder.record(Sample.request("r\($0)")) }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(accepted.prefix(10).allSatisfy { $0 })
        #expect(accepted.dropFirst(10).allSatisfy { !$0 })
        #expect(recorder.counters == .init(recorded: 10, written: 0, dropped: 9_990, buffered: 10))
        try await recorder.flush()
        #expect(try store.requests().map(\.requestID) == (0..<10).map { "r\($0)" })
        #expect(recorder.record(Sample.request("after")))
    }

    @Test func gracefulShutdownWritesTheBuffer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .seconds(3_600), batchSize: 64)
        let group = ServiceGroup(services: [recorder], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for index in 0..<1_000 {
            recorder.record(Sample.request("r\(index)"), attempts: [Sample.attempt("r\(index)")])
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try store.requestCount() == 1_000)
        #expect(try store.attemptCount() == 1_000)
        #expect(recorder.counters == .init(recorded: 1_000, written: 1_000, dropped: 0, buffered: 0))
    }

    @Test func cancellationWritesTheBuffer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try UsageStore(path: directory.path("usage.sqlite"))
        let recorder = UsageRecorder(store: store, batchInterval: .seconds(3_600))
        let writer = Task { await recorder.run() }
        for index in 0..<250 { recorder.record(Sample.request("r\(index)")) }
        writer.cancel()
        await writer.value
        #expect(try store.requestCount() == 250)
    }

    @Test func openFollowsTheUsageBlock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = directory.path("providers.yaml")
        #expect(try UsageRecorder.open(settings: UsageSettings(), configurationFile: configuration) == nil)
        let settings = UsageSettings(path: "data/usage.sqlite", batchInterval: .milliseconds(200), batchSize: 7, bufferSize: 70)
        let recorder = try #require(try UsageRecorder.open(settings: settings, configurationFile: configuration))
        #expect(recorder.store.path == directory.path("data/usage.sqlite"))
        #expect(FileManager.default.fileExists(atPath: directory.path("data/usage.sqlite")))
        #expect((recorder.batchInterval, recorder.batchSize, recorder.bufferSize) == (.milliseconds(200), 7, 70))
    }

    /// A gateway stopping and starting again under load: every request recorded by the first process is
    /// on disk after its graceful shutdown, and the second appends to the same file.
    @Test func restartInTheMiddleOfTraffic() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("usage.sqlite")

        let first = UsageRecorder(store: try UsageStore(path: path), batchInterval: .milliseconds(5), batchSize: 50)
        // Listed after the recorder, so the group stops the traffic first, as serve stops its HTTP server
        // before the services listed ahead of it.
        let traffic = Traffic(recorder: first, producers: 4, prefix: "first")
        let group = ServiceGroup(services: [first, traffic], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        #expect(await eventually { first.counters.written >= 500 })
        await group.triggerGracefulShutdown()
        try await running.value
        let n = first.counters.recorded
        #expect(n == traffic.produced)
        #expect(first.counters.dropped == 0)
        #expect(first.counters.written == n)
        try first.store.close()

        let secondStore = try UsageStore(path: path)
        #expect(try secondStore.requestCount() == n)
        let second = UsageRecorder(store: secondStore, batchInterval: .milliseconds(5), batchSize: 50)
        let writer = Task { await second.run() }
        let m = 400
        await withTaskGroup(of: Void.self) { producers in
            for producer in 0..<4 {
                producers.addTask {
                    for index in 0..<(m / 4) {
                        second.record(Sample.request("second-\(producer)-\(index)"), attempts: [Sample.attempt("second")])
                        if index % 10 == 0 { await Task.yield() }
                    }
                }
            }
        }
        writer.cancel()
        await writer.value
        #expect(try secondStore.requestCount() == n + m)
        #expect(try secondStore.attemptCount() == n + m)
        #expect(Set(try secondStore.requests().map(\.requestID)).count == n + m)
    }
}

/// Stand-in for the HTTP server: several tasks record requests until graceful shutdown.
private final class Traffic: Service, Sendable {
    let recorder: UsageRecorder
    let producers: Int
    let prefix: String
    private let count = Counter()

    init(recorder: UsageRecorder, producers: Int, prefix: String) {
        self.recorder = recorder
        self.producers = producers
        self.prefix = prefix
    }

    var produced: Int { count.value }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask { [self] in
                    var index = 0
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        let id = "\(prefix)-\(producer)-\(index)"
                        if recorder.record(Sample.request(id), attempts: [Sample.attempt(id)]) { count.increment() }
                        index += 1
                        try? await Task.sleep(for: .microseconds(50))
                    }
                }
            }
        }
    }
}

private final class Counter: Sendable {
    private let storage = Mutex(0)
    var value: Int { storage.withLock { $0 } }
    func increment() { storage.withLock { $0 += 1 } }
}
