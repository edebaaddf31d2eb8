import Foundation

/// How the link to the state database is doing, for `/status.json`, the status page and tests.
public struct SharedStateStatus: Sendable, Hashable, Codable {
    /// `host:port/database` (never the user or password).
    public var database: String
    public var connected: Bool
    /// Since when the link has been up, or down.
    public var since: Date
    /// The last connection error, while disconnected.
    public var lastError: String?
    public var connectionFailures: Int
    /// Key changes this replica shared, and received from others.
    public var keyChangesSent: Int
    public var keyChangesReceived: Int
    /// Usage records waiting for the database, written to it, and dropped because the buffer was full.
    public var usageBuffered: Int
    public var usageWritten: Int
    public var usageDropped: Int
}
