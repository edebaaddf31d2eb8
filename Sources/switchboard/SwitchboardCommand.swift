import ArgumentParser

@main
struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "An LLM gateway: answers every request from the best provider that works.",
        discussion: "Providers, keys, routes and failover rules are declared in providers.yaml.",
        version: "0.1.0",
        subcommands: [Lint.self, Generate.self, Serve.self, Usage.self, Probe.self]
    )
}
