import NIOCore
import NIOHTTP1

/// One request in flight: its consumer, its deadline and, once it has one, its connection. Whatever ends
/// it first (the answer, a failure, the deadline, the caller's `cancel()`) ends it for good.
final class UpstreamExchange: @unchecked Sendable {
    // Unchecked: the mutable members are touched on `loop` only; `cancel()` hops there.
    let loop: any EventLoop
    private var consumer: (any UpstreamResponseConsumer)?
    private var deadline: Scheduled<Void>?
    private var channel: (any Channel)?

    init(loop: any EventLoop, consumer: any UpstreamResponseConsumer) {
        self.loop = loop
        self.consumer = consumer
    }

    /// True once the exchange has ended; nothing reaches the consumer after that.
    var isOver: Bool { consumer == nil }

    /// Stops the exchange from any thread: the consumer is told it was cancelled and the connection closed.
    func cancel() {
        loop.execute { self.fail(UpstreamClientError.cancelled) }
    }

    func startDeadline(_ instant: NIODeadline) {
        deadline = loop.scheduleTask(deadline: instant) { self.fail(UpstreamClientError.deadlineExceeded) }
    }

    /// Lifts the deadline from any thread: a stream that has started runs as long as its reader's own
    /// timers allow.
    func liftDeadline() {
        loop.execute {
            self.deadline?.cancel()
            self.deadline = nil
        }
    }

    /// The connection the request went out on: closed if the exchange fails before its answer ends.
    func attach(_ channel: any Channel) {
        self.channel = channel
    }

    func receiveHead(_ head: HTTPResponseHead) -> Bool {
        guard let consumer else { return false }
        if consumer.receiveHead(head) { return true }
        stop()
        return false
    }

    func receiveBody(_ buffer: ByteBuffer) -> Bool {
        guard let consumer else { return false }
        if consumer.receiveBody(buffer) { return true }
        stop()
        return false
    }

    func receiveEnd() {
        guard let consumer else { return }
        stop()
        consumer.receiveEnd()
    }

    /// Ends the exchange with `error` and closes its connection (whose state is unknown after a failure).
    func fail(_ error: any Error) {
        guard let consumer else { return }
        stop()
        channel?.close(promise: nil)
        consumer.receiveFailure(error)
    }

    private func stop() {
        consumer = nil
        deadline?.cancel()
        deadline = nil
    }
}
