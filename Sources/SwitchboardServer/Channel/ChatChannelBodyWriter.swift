import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

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
