import Foundation
import NIOCore
import NIOSSL
import PostgresNIO
import SwitchboardConfig

/// Where the shared state lives: a `postgres://` URL from the environment, and the TLS to reach it with.
///
/// Errors name the variable and the part that is wrong, never the URL: it holds the password.
public struct PostgresEndpoint: Sendable {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String
    public var tls: StateSettings.TLSMode
    /// PEM file of the certificate authorities to trust with `verify-full` (the system's roots without it).
    public var caFile: String?

    /// Reads the URL from `settings.postgresEnv`. `tls:` in providers.yaml wins over the URL's `sslmode`;
    /// without either, TLS is tried and the connection goes on without it when the server has none
    /// (libpq's `prefer`).
    public init(settings: StateSettings, environment: [String: String], configurationFile: String) throws(Problem) {
        let variable = settings.postgresEnv
        guard let url = environment[variable], !url.isEmpty else {
            throw Problem(description: "\(variable) is not set: state: in providers.yaml needs it to hold the postgres:// URL")
        }
        try self.init(url: url, variable: variable, tls: settings.tls,
                      caFile: settings.resolvedCAFile(relativeTo: configurationFile))
    }

    init(url: String, variable: String, tls: StateSettings.TLSMode?, caFile: String?) throws(Problem) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw Problem(description: "\(variable) does not hold a postgres:// or postgresql:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Problem(description: "\(variable): the URL names no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw Problem(description: "\(variable): the URL names no user")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : (path.removingPercentEncoding ?? path)
        let query = components.queryItems ?? []
        if let tls {
            self.tls = tls
        } else if let mode = query.first(where: { $0.name == "sslmode" })?.value {
            switch mode {
            case "disable": self.tls = .disable
            case "allow", "prefer": self.tls = .prefer
            case "require": self.tls = .require
            case "verify-ca", "verify-full": self.tls = .verifyFull
            default:
                throw Problem(description: "\(variable): unknown sslmode '\(mode)' (disable, prefer, require, verify-full)")
            }
        } else {
            self.tls = .prefer
        }
        self.caFile = caFile ?? query.first(where: { $0.name == "sslrootcert" })?.value
    }

    /// The connection settings for postgres-nio.
    public func connectionConfiguration(connectTimeout: Duration) throws(Problem) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try connectionTLS())
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout.components.seconds * 1_000))
        return configuration
    }

    private func connectionTLS() throws(Problem) -> PostgresConnection.Configuration.TLS {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable:
            return .disable
        case .prefer, .require:
            // As libpq: encrypted, but the certificate is not checked (that is verify-full).
            tlsConfiguration.certificateVerification = .none
        case .verifyFull:
            tlsConfiguration.certificateVerification = .fullVerification
            if let caFile { tlsConfiguration.trustRoots = .file(caFile) }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw Problem(description: "cannot set up TLS for the state database: \(error)")
        }
        return tls == .prefer ? .prefer(context) : .require(context)
    }

    /// `host:port/database`, for logs and the status page (no user, no password).
    public var displayName: String { "\(host):\(port)/\(database)" }
}
