/// Why a usage database cannot be opened for reading.
public struct UsageStoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No file at the path.
        case missingDatabase
        /// A SQLite file without the usage tables.
        case notAUsageDatabase
    }

    public var kind: Kind
    public var path: String

    public var description: String {
        switch kind {
        case .missingDatabase:
            "no usage database at \(path): set usage.path in providers.yaml and run `switchboard serve`, or pass --db"
        case .notAUsageDatabase: "\(path) is not a Switchboard usage database (it has no usage tables)"
        }
    }
}
