import ArgumentParser
import Foundation
import Logging
import Switchboard

extension SwitchboardCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text from the best target of a route that works, and print it.",
            discussion: """
                Keys are read from the environment variables providers.yaml names. With --trace, every \
                attempt is printed to standard error as `Trying huggingface-router key 1/2 (huggingface#3) … \
                rate limited (429) → next key`. Exits 0 with the text, 1 when no target answered, 64 on usage errors.
                """
        )

        @Argument(help: "The prompt.")
        var prompt: String

        @Option(help: "The route to use.")
        var route = "text-generation"

        @Option(help: "Upper bound on generated tokens.")
        var maxTokens: Int?

        @Option(help: "Sampling temperature (0–2).")
        var temperature: Double?

        @Option(help: "Path to providers.yaml.")
        var config = "providers.yaml"

        @Option(name: .customLong("var"), help: "A template variable as NAME=VALUE (e.g. topic=Swift); repeatable.")
        var variables: [String] = []

        @Flag(help: "Stream the answer as it arrives.")
        var stream = false

        @Flag(help: "Print every attempt to standard error.")
        var trace = false

        @Flag(help: "Log at debug level to standard error.")
        var verbose = false

        func validate() throws {
            if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
            if let temperature, !(0...2).contains(temperature) { throw ValidationError("--temperature must be from 0 to 2") }
            for variable in variables where !variable.contains("=") {
                throw ValidationError("--var takes NAME=VALUE, found '\(variable)'")
            }
        }

        func run() async throws {
            var logger = Logger(label: "switchboard") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .debug : .warning
            let engine: Switchboard
            do {
                engine = try Switchboard(file: config, logger: logger)
            } catch {
                printError("\(error)")
                throw ExitCode.failure
            }
            var request = ChatRequest(messages: [.user(prompt)], maxTokens: maxTokens, temperature: temperature)
            for variable in variables {
                let parts = variable.split(separator: "=", maxSplits: 1)
                request.variables[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            do {
                if stream {
                    let answer = try await engine.stream(request, route: route)
                    if trace { printError(answer.trace.description) }
                    var iterator = answer.makeAsyncIterator()
                    while let chunk = try await iterator.next() {
                        FileHandle.standardOutput.write(Data(chunk.delta.utf8))
                    }
                    print("")
                } else {
                    let answer = try await engine.complete(request, route: route)
                    if trace { printError(answer.trace.description) }
                    print(answer.text)
                }
            } catch {
                if trace && !error.trace.entries.isEmpty { printError(error.trace.description) }
                printError("error: \(error.message)")
                try? await engine.shutdown()
                throw ExitCode.failure
            }
            try? await engine.shutdown()
        }

        private func printError(_ text: String) {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}
