#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `usage:` block: where and how often `switchboard serve` writes its usage log (one row per request
/// and one per upstream attempt, in SQLite). Without a `path` nothing is recorded.
public struct UsageSettings: Sendable, Hashable {
    public static let defaultBatchInterval = Duration.seconds(1)
    public static let defaultBatchSize = 500
    public static let defaultBufferSize = 10_000

    /// The database file as written in providers.yaml; nil turns recording off.
    public var path: String?
    /// How long records may wait in memory before they are written; also what a crash can lose.
    public var batchInterval: Duration
    /// Requests written per transaction: this many waiting triggers a write before the interval ends.
    public var batchSize: Int
    /// Requests held in memory at most; more are dropped (and counted) rather than slowing requests down.
    public var bufferSize: Int
    public var source: SourceMap

    public init(
        path: String? = nil, batchInterval: Duration = Self.defaultBatchInterval, batchSize: Int = Self.defaultBatchSize,
        bufferSize: Int = Self.defaultBufferSize, source: SourceMap = .none
    ) {
        self.path = path
        self.batchInterval = batchInterval
        self.batchSize = batchSize
        self.bufferSize = bufferSize
        self.source = source
    }

    public var isEnabled: Bool { path != nil }

    /// The database path with a relative `path` taken from the directory of the providers.yaml that
    /// set it (not from the working directory, which differs between `serve` and `usage` runs).
    public func resolvedPath(relativeTo configurationFile: String) -> String? {
        guard let path else { return nil }
        if path.hasPrefix("/") { return path }
        let directory = URL(fileURLWithPath: configurationFile).deletingLastPathComponent()
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }
}
