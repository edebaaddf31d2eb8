import NIOCore
import NIOHTTP1

/// Reads one upstream answer as it arrives. `UpstreamClient` calls it on the connection's event loop,
/// one call at a time, and ends with exactly one `receiveEnd()` or `receiveFailure(_:)`, unless the
/// consumer stopped the exchange first by returning false.
protocol UpstreamResponseConsumer: AnyObject, Sendable {
    /// The response head. False stops the exchange: the connection is closed and nothing more is called.
    func receiveHead(_ head: HTTPResponseHead) -> Bool
    /// One read of the body. False stops the exchange, as for the head.
    func receiveBody(_ buffer: ByteBuffer) -> Bool
    /// The whole answer has arrived.
    func receiveEnd()
    /// The exchange failed: the connection, the upstream's HTTP, the deadline or a cancellation.
    func receiveFailure(_ error: any Error)
}
