/// How `UpstreamClient` itself fails an exchange; connection and parser errors come from NIO as they are.
enum UpstreamClientError: Error, Sendable, Equatable {
    /// The attempt's deadline passed before the answer was complete.
    case deadlineExceeded
    /// The caller stopped the exchange.
    case cancelled
    /// The connection closed before a response head arrived.
    case closedBeforeAnswer
    /// The URL is not an absolute `http` or `https` URL with a host.
    case invalidURL
    /// TLS could not be set up (no usable trust roots, say).
    case tlsUnavailable(String)
}
