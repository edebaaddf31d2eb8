import ArgumentParser
import Foundation
import SwitchboardConfig
import SwitchboardUsage

extension SwitchboardCommand {
    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise recorded usage: requests, success rate, latency, errors, failovers, keys, tokens, cost.",
            discussion: """
                Reads the SQLite usage log `switchboard serve` writes when providers.yaml sets usage.path \
                (a relative path is taken from the directory of providers.yaml), or the file given with --db. \
                --by route counts client requests; --by provider, model, target (provider and model) or key count \
                upstream attempts, so their success rate and latency are per attempt. Cost is each answer's tokens \
                at its target's price: (providers.yaml); answers without a known cost (no price, or no usage \
                reported) are counted as unknown, never as free. Keys are only ever named as pool#index. \
                Exits 0 with the report, 1 when there is no database to read, 64 on usage errors.
                """
        )

        @Option(help: ArgumentHelp("Path to providers.yaml, whose usage.path names the database.", valueName: "file"))
        var config = "providers.yaml"

        @Option(help: ArgumentHelp("The usage database to read (instead of usage.path in providers.yaml).", valueName: "path"))
        var db: String?

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

        func run() throws {
            guard let window = UsageWindow.parse(since), let grouping = UsageGrouping(rawValue: by),
                let format = UsageReportFormat(rawValue: format)
            else { throw ExitCode.validationFailure }
            let report: UsageReport
            do {
                let store = try UsageStore.openExisting(path: try databasePath())
                let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
                report = try store.report(since: Date().addingTimeInterval(-seconds), by: grouping, route: route)
            } catch {
                FileHandle.standardError.write(Data("error: \(Self.describe(error))\n".utf8))
                throw ExitCode.failure
            }
            print(format.render(report), terminator: "")
        }

        /// --db, else usage.path from providers.yaml.
        private func databasePath() throws -> String {
            if let db { return db }
            guard FileManager.default.fileExists(atPath: config) else {
                throw Failure(message: "no \(config) to read usage.path from: pass --config FILE or --db PATH")
            }
            let loaded = try SwitchboardConfiguration.load(file: config)
            guard let path = loaded.configuration.usage.resolvedPath(relativeTo: config) else {
                throw Failure(message: "\(config) sets no usage.path, so nothing is recorded: set it, or pass --db PATH")
            }
            return path
        }

        private struct Failure: Error {
            var message: String
        }

        private static func describe(_ error: any Error) -> String {
            switch error {
            case let error as Failure: error.message
            case let error as UsageStoreError: error.description
            case let error as ConfigurationError: error.description
            default: "cannot read the usage database: \(error)"
            }
        }
    }
}
