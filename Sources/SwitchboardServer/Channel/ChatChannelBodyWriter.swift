import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Writes a chat answer's head and body through `ChatCompletionsChannelHandler`. A body of known length
/// leaves in one flush with its end; a streamed body is flushed at every write, and each write waits
/// until its bytes have left (backpressure from a slow client, and a failure once it is gone).
struct ChatChannelBodyWriter: ResponseBodyWriter {
    let handler: NIOLoopBound<ChatCompletionsChannelHandler>
    let flushesEachWrite: Bool

    func writeHead(_ head: HTTPResponse) async throws {
        try await send(.head(head), flush: flushesEachWrite)
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await send(.body(buffer), flush: flushesEachWrite)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await send(.end(trailingHeaders), flush: true)
    }

    private func send(_ part: HTTPResponsePart, flush: Bool) async throws {
        let handler = self.handler
        let loop = handler.eventLoop
        if loop.inEventLoop {
            try await handler.value.writePart(part, flush: flush, on: loop).get()
        } else {
            try await loop.flatSubmit { handler.value.writePart(part, flush: flush, on: loop) }.get()
        }
    }
}
