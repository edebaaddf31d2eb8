import ArgumentParser
import Foundation
import Logging
import Switchboard
import SwitchboardConfig

extension SwitchboardCommand {
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every key and every target's model against the providers, now.",
            discussion: """
                Probes each key of each pool against every provider that uses it, with the cheapest call the \
                provider's API offers: GET {base_url}/models for openai-chat providers (OpenAI, the Hugging Face \
                router, vLLM, llama.cpp), whose status judges the key and whose list says whether each model is \
                offered; for hf-inference providers the Hugging Face Hub's whoami and model endpoints. No \
                completion is requested and no token is spent. Keys are only ever named as pool#index. \
                Exits 0 when every route has a working target (a usable key and a model that is there), 1 when \
                some route has none, 78 when the configuration cannot be loaded, 64 on usage errors.
                """
        )

        @Option(help: "Path to providers.yaml.")
        var config = "providers.yaml"

        @Option(help: ArgumentHelp("Only this route's targets and keys (repeatable).", valueName: "route"))
        var route: [String] = []

        @Option(help: ArgumentHelp("Output format.", valueName: "table|json"))
        var format = "table"

        @Option(help: ArgumentHelp("Seconds one probe call may take.", valueName: "seconds"))
        var timeout = 10

        func validate() throws {
            guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json, found '\(format)'") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        }

        func run() async throws {
            var logger = Logger(label: "switchboard")
            logger.logLevel = .error
            let engine: Switchboard
            do {
                engine = try Switchboard(file: config, logger: logger)
            } catch {
                FileHandle.standardError.write(Data("error: cannot load \(config): \(error)\n".utf8))
                throw ExitCode(78)
            }
            let unknown = route.filter { !engine.routeNames.contains($0) }
            guard unknown.isEmpty else {
                try? await engine.shutdown()
                throw ValidationError("no route named \(unknown.joined(separator: ", ")); routes: \(engine.routeNames.joined(separator: ", "))")
            }
            let report = await engine.probe(routes: route.isEmpty ? nil : route, timeout: .seconds(timeout))
            try? await engine.shutdown()
            print(format == "json" ? report.json : report.table, terminator: "")
            if !report.allRoutesWork { throw ExitCode.failure }
        }
    }
}
