import HTTPTypes
import Hummingbird
import NIOCore

/// Takes a response body of known length whole, so that its answer can leave in one write with its head.
/// Writing a body here never suspends: nothing waits.
final class CollectedBody {
    private(set) var buffer = ByteBuffer()

    /// `body`'s bytes, in one buffer.
    static func collect(_ body: consuming ResponseBody) async throws -> ByteBuffer {
        let collected = CollectedBody()
        try await body.write(Writer(collected: collected))
        return collected.buffer
    }

    private struct Writer: ResponseBodyWriter {
        let collected: CollectedBody

        mutating func write(_ part: ByteBuffer) async throws {
            if collected.buffer.readableBytes == 0 {
                collected.buffer = part  // the usual case, one buffer: no copy
            } else {
                collected.buffer.writeImmutableBuffer(part)
            }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
