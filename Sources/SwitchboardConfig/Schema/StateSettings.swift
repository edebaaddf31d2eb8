#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `state:` block: the PostgreSQL database through which replicas share key cooldowns, disabled keys
/// and the usage log. The file names the environment variable that holds the URL, never the URL: it
/// carries the password.
public struct StateSettings: Sendable, Hashable {
    public static let defaultUsageBuffer = 10_000
    public static let defaultSyncInterval = Duration.seconds(5)

    /// TLS to the database, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, certificate not checked.
        case prefer
        /// TLS always, certificate not checked.
        case require
        /// TLS always, certificate checked against `ca_file` (or the system's roots) and the host name.
        case verifyFull = "verify-full"
    }

    /// The environment variable holding the `postgres://` URL.
    public var postgresEnv: String
    /// Nil when the file does not say: the URL's `sslmode` decides, else `prefer`.
    public var tls: TLSMode?
    /// PEM file of the authorities to trust with `verify-full`, as written in the file.
    public var caFile: String?
    /// Usage records held in memory while the database is unreachable; past it they are dropped and counted.
    public var usageBuffer: Int
    /// How often the state in force is re-read, under LISTEN/NOTIFY (which brings changes at once).
    public var syncInterval: Duration
    public var source: SourceMap

    public init(
        postgresEnv: String, tls: TLSMode? = nil, caFile: String? = nil, usageBuffer: Int = Self.defaultUsageBuffer,
        syncInterval: Duration = Self.defaultSyncInterval, source: SourceMap = .none
    ) {
        self.postgresEnv = postgresEnv
        self.tls = tls
        self.caFile = caFile
        self.usageBuffer = usageBuffer
        self.syncInterval = syncInterval
        self.source = source
    }

    /// `ca_file` with a relative path taken from the directory of the providers.yaml that set it.
    public func resolvedCAFile(relativeTo configurationFile: String) -> String? {
        guard let caFile else { return nil }
        if caFile.hasPrefix("/") { return caFile }
        let directory = URL(fileURLWithPath: configurationFile).deletingLastPathComponent()
        return directory.appendingPathComponent(caFile).standardizedFileURL.path
    }
}
