import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Switchboard
import SwitchboardConfig
import SwitchboardServer

extension SwitchboardCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the OpenAI-compatible gateway.",
            discussion: """
                Serves POST /v1/chat/completions (streaming with SSE), GET /v1/models, /healthz, /readyz and \
                /metrics. Provider keys come from the environment variables providers.yaml names; clients \
                authenticate with one of the comma-separated tokens in SWITCHBOARD_API_TOKENS, which is \
                required when listening on anything but loopback. SIGHUP or POST /admin/reload re-reads the \
                configuration (a file with lint errors is refused and the old one keeps serving). SIGTERM and \
                SIGINT stop it gracefully, letting requests in flight finish.
                """
        )

        @Option(help: "Path to providers.yaml.")
        var config = "providers.yaml"

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on (0 picks a free one).")
        var port = 8080

        @Option(help: "Largest request body accepted, in bytes.")
        var maxRequestBytes = 1 << 20

        @Option(help: "Most requests one client token may have in flight.")
        var maxConcurrentPerToken = 64

        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
            guard maxRequestBytes > 0, maxConcurrentPerToken > 0 else {
                throw ValidationError("--max-request-bytes and --max-concurrent-per-token must be positive")
            }
        }

        func run() async throws {
            var logger = Logger(label: "switchboard")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let environment = ProcessInfo.processInfo.environment
            let settings = GatewaySettings(
                host: host, port: port, clientTokens: GatewaySettings.tokens(from: environment),
                maxRequestBytes: maxRequestBytes, maxConcurrentRequestsPerToken: maxConcurrentPerToken)
            if let refusal = settings.refusal {
                logger.critical("\(refusal)")
                throw ExitCode(78)  // EX_CONFIG
            }
            let metrics = GatewayMetrics()
            let loaded: (configuration: SwitchboardConfiguration, warnings: [Diagnostic])
            do {
                loaded = try SwitchboardConfiguration.load(file: config, catalog: AdapterRegistry.builtIn.catalog)
            } catch {
                logger.critical("cannot load \(config): \(error)")
                throw ExitCode(78)  // EX_CONFIG
            }
            for warning in loaded.warnings {
                logger.warning("\(config):\(warning.location): \(warning.message) [\(warning.rule.rawValue)]")
            }
            // One HTTP client for the process, shared by every engine a reload installs.
            let httpClient = Switchboard.makeHTTPClient(for: loaded.configuration)
            let engine: Switchboard
            do {
                engine = try Switchboard(
                    configuration: loaded.configuration, environment: environment, httpClient: httpClient, logger: logger,
                    metricsFactory: metrics.factory)
            } catch {
                logger.critical("cannot start with \(config): \(error)")
                try? await httpClient.shutdown()
                throw ExitCode(78)
            }
            let source = Gateway.Source(path: config, environment: environment, httpClient: httpClient)
            let gateway = Gateway(engine: engine, settings: settings, source: source, logger: logger, metrics: metrics)
            logger.info("serving", metadata: [
                "address": "\(host):\(port)", "routes": "\(engine.routeNames.joined(separator: ","))",
                "client_auth": "\(settings.clientTokens.isEmpty ? "off (loopback only)" : "\(settings.clientTokens.count) token(s)")",
            ])
            // SIGHUP re-reads the configuration, as POST /admin/reload does.
            signal(SIGHUP, SIG_IGN)
            let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue.global())
            hangup.setEventHandler { _ = gateway.reload() }
            hangup.resume()
            defer { hangup.cancel() }
            let application = buildApplication(gateway: gateway)
            try await application.runService()
            try await httpClient.shutdown()
        }
    }
}
