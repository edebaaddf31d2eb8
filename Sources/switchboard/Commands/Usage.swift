import ArgumentParser
import Foundation
import Logging
import SwitchboardConfig
import SwitchboardState
import SwitchboardUsage

extension SwitchboardCommand {
    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise recorded usage: requests, success rate, latency, errors, failovers, keys, tokens, cost.",
            discussion: """
                Reads the SQLite usage log `switchboard serve` writes when providers.yaml sets usage.path \
                (a relative path is taken from the directory of providers.yaml), or the file given with --db. \
                When providers.yaml sets state:, or with --postgres-env VAR, it reads the PostgreSQL log every \
                replica writes instead, so the report covers all of them (--db still reads one replica's file). \
                --by route counts client requests; --by provider, model, target (provider and model) or key count \
                upstream attempts, so their success rate and latency are per attempt. Cost is each answer's tokens \
                at its target's price: (providers.yaml); answers without a known cost (no price, or no usage \
                reported) are counted as unknown, never as free. Keys are only ever named as pool#index. \
                Exits 0 with the report, 1 when there is no database to read, 64 on usage errors.
                """
        )

        @Option(help: ArgumentHelp("Path to providers.yaml, whose state: or usage.path names the log.", valueName: "file"))
        var config = "providers.yaml"

        @Option(help: ArgumentHelp("The usage database to read (instead of usage.path in providers.yaml).", valueName: "path"))
        var db: String?

        @Option(
            help: ArgumentHelp(
                "An environment variable holding the postgres:// URL of the replicas' shared log (instead of state: in providers.yaml).",
                valueName: "variable"))
        var postgresEnv: String?

        @Option(help: ArgumentHelp("How far back to look: a number and s, m, h, d or w (30m, 24h, 7d).", valueName: "window"))
        var since = "24h"

        @Option(help: ArgumentHelp("Group by route, provider, model, target or key.", valueName: "route|provider|model|target|key"))
        var by = UsageGrouping.route.rawValue

        @Option(help: ArgumentHelp("Only the requests of this route.", valueName: "route"))
        var route: String?

        @Option(help: ArgumentHelp("Output format.", valueName: "table|json|csv"))
        var format = UsageReportFormat.table.rawValue

        func validate() throws {
            guard UsageWindow.parse(since) != nil else {
                throw ValidationError("--since takes a number and a unit (s, m, h, d or w) such as 30m, 24h or 7d, found '\(since)'")
            }
            guard UsageGrouping(rawValue: by) != nil else {
                throw ValidationError("--by must be route, provider, model, target or key, found '\(by)'")
            }
            guard UsageReportFormat(rawValue: format) != nil else {
                throw ValidationError("--format must be table, json or csv, found '\(format)'")
            }
        }

        func run() async throws {
            guard let window = UsageWindow.parse(since), let grouping = UsageGrouping(rawValue: by),
                let format = UsageReportFormat(rawValue: format)
            else { throw ExitCode.validationFailure }
            let report: UsageReport
            do {
                let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
                let start = Date().addingTimeInterval(-seconds)
                switch try source() {
                case .sqlite(let path):
                    report = try UsageStore.openExisting(path: path).report(since: start, by: grouping, route: route)
                case .postgres(let endpoint):
                    var logger = Logger(label: "switchboard.usage")
                    logger.logLevel = .error
                    report = try await SharedUsageReport.report(
                        endpoint: endpoint, since: start, by: grouping, route: route, logger: logger)
                }
            } catch {
                FileHandle.standardError.write(Data("error: \(Self.describe(error))\n".utf8))
                throw ExitCode.failure
            }
            print(format.render(report), terminator: "")
        }

        private enum Source {
            case sqlite(String)
            case postgres(PostgresEndpoint)
        }

        /// --postgres-env, else --db, else state: from providers.yaml, else its usage.path.
        private func source() throws -> Source {
            let environment = ProcessInfo.processInfo.environment
            if let postgresEnv {
                return .postgres(try PostgresEndpoint(
                    settings: StateSettings(postgresEnv: postgresEnv), environment: environment, configurationFile: config))
            }
            if let db { return .sqlite(db) }
            guard FileManager.default.fileExists(atPath: config) else {
                throw Failure(message: "no \(config) to read usage.path from: pass --config FILE, --db PATH or --postgres-env VAR")
            }
            let loaded = try SwitchboardConfiguration.load(file: config)
            if let state = loaded.configuration.state {
                return .postgres(try PostgresEndpoint(settings: state, environment: environment, configurationFile: config))
            }
            guard let path = loaded.configuration.usage.resolvedPath(relativeTo: config) else {
                throw Failure(message: "\(config) sets no usage.path, so nothing is recorded: set it, or pass --db PATH")
            }
            return .sqlite(path)
        }

        private struct Failure: Error {
            var message: String
        }

        private static func describe(_ error: any Error) -> String {
            switch error {
            case let error as Failure: error.message
            case let error as UsageStoreError: error.description
            case let error as ConfigurationError: error.description
            case let error as PostgresEndpoint.Problem: error.description
            default: "cannot read the usage log: \(SharedState.describe(error))"
            }
        }
    }
}
