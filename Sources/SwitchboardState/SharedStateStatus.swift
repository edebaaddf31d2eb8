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

    public init(
        database: String, connected: Bool, since: Date, lastError: String? = nil, connectionFailures: Int = 0,
        keyChangesSent: Int = 0, keyChangesReceived: Int = 0, usageBuffered: Int = 0, usageWritten: Int = 0,
        usageDropped: Int = 0
    ) {
        self.database = database
        self.connected = connected
        self.since = since
        self.lastError = lastError
        self.connectionFailures = connectionFailures
        self.keyChangesSent = keyChangesSent
        self.keyChangesReceived = keyChangesReceived
        self.usageBuffered = usageBuffered
        self.usageWritten = usageWritten
        self.usageDropped = usageDropped
    }
}
