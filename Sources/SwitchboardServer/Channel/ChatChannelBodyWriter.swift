import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Switchboard

/// Writes a streamed chat answer through `ChatCompletionsChannelHandler`: each part is flushed as it comes.
/// A write returns at once while the client keeps up; once the channel's buffer is over its high-water
/// mark it waits until that part has left (backpressure from a slow client), and it fails once the client
/// is gone. Whole answers do not come here: they leave in one write (`CollectedBody`).
struct ChatChannelBodyWriter: ResponseBodyWriter {
    let handler: NIOLoopBound<ChatCompletionsChannelHandler>

    func writeHead(_ head: HTTPResponse) async throws {
        try await send(.head(head))
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await send(.body(buffer))
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await send(.end(trailingHeaders))
    }

    /// Hands the rest of `iterator`'s stream to the client's channel, pushed as it arrives
    /// (`ChatChannelStreamRelay`); nil when it cannot be handed over yet (read on, and ask again).
    func handOver(_ iterator: inout ChatStream.AsyncIterator, answer: StreamedAnswer) -> PushedStream? {
        guard iterator.canRelay else { return nil }  // chunks still waiting, or a whole answer: no target made
        let target = ChatChannelStreamRelay(handler: handler, answer: answer)
        guard let relay = iterator.relay(to: target) else {
            target.cancel()  // never handed over: its end has no one to wait for it
            return nil
        }
        return PushedStream(relay: relay, target: target)
    }

    /// The rest of a stream, pushed to the client's channel.
    struct PushedStream {
        let relay: ChatStreamRelay
        let target: ChatChannelStreamRelay

        /// Waits for the end: the usage at a clean end, once `[DONE]` is written; the stream's
        /// `SwitchboardError` once its error event is; `CancellationError` when the client went away.
        func ended() async throws -> Usage? {
            try await withTaskCancellationHandler {
                try await target.ended()
            } onCancel: {
                relay.cancel()
                target.cancel()
            }
        }
    }

    private func send(_ part: HTTPResponsePart) async throws {
        let handler = self.handler
        let loop = handler.eventLoop
        if loop.inEventLoop {
            try await handler.value.writePart(part, on: loop)?.get()
        } else {
            try await loop.flatSubmit { handler.value.writePart(part, on: loop) ?? loop.makeSucceededVoidFuture() }.get()
        }
    }
}
