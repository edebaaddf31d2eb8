import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Switchboard
import SwitchboardConfig
import SwitchboardServer
import SwitchboardState
import SwitchboardUsage

extension SwitchboardCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the OpenAI-compatible gateway.",
            discussion: """
                Serves POST /v1/chat/completions (streaming with SSE), GET /v1/models, /healthz, /readyz, \
                /metrics, and the operators' status page at /status (its data at /status.json). Providers with \
                health_check: in providers.yaml have their keys and models probed in the background: a key the \
                provider refuses is disabled before a request finds out. Provider keys come from the environment variables providers.yaml names; clients \
                authenticate with one of the comma-separated tokens in SWITCHBOARD_API_TOKENS, which is \
                required when listening on anything but loopback. Once any token is set, POST /admin/reload, \
                GET /metrics and the status page take only an operator token from SWITCHBOARD_ADMIN_TOKENS (a client token gets 403; \
                operator tokens also work as client tokens). SIGHUP or POST /admin/reload re-reads the \
                configuration (a file with lint errors is refused and the old one keeps serving). SIGTERM and \
                SIGINT stop it gracefully, letting requests in flight finish. With state: in providers.yaml, \
                replicas share key cooldowns, disabled keys and the usage log through the PostgreSQL database whose \
                URL is in the environment variable state.postgres_env names (see docs/deployment.md); the database \
                is never on the request path.
                """
        )

        @Option(help: "Path to providers.yaml.")
        var config = "providers.yaml"

        @Option(help: "Address to listen on (default: server.host in providers.yaml, else 127.0.0.1).")
        var host: String?

        @Option(help: "Port to listen on; 0 picks a free one (default: server.port, else 8080).")
        var port: Int?

        @Option(help: "Largest request body accepted, in bytes (default: server.max_request_bytes, else 1048576).")
        var maxRequestBytes: Int?

        @Option(help: "Most requests one client token may have in flight (default: server.max_concurrent_per_token, else 64).")
        var maxConcurrentPerToken: Int?

        @Option(help: "Seconds requests in flight may take to finish after SIGTERM/SIGINT (default: server.shutdown_grace, else 30).")
        var shutdownGrace: Int?

        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        @Flag(
            inversion: .prefixedNo,
            help: """
                Run Swift concurrency's tasks on the server's event-loop threads instead of a separate thread \
                pool, which spares each request several thread switches. Turn it off only to rule it out.
                """)
        var eventLoopExecutor = true

        func validate() throws {
            if let port, !(0...65_535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
            for (name, value) in [("--max-request-bytes", maxRequestBytes), ("--max-concurrent-per-token", maxConcurrentPerToken),
                                  ("--shutdown-grace", shutdownGrace)] {
                if let value, value <= 0 { throw ValidationError("\(name) must be positive") }
            }
        }

        func run() async throws {
            if eventLoopExecutor {
                // Before the server, the HTTP client or any service starts a task. Every handler then runs
                // on the event loop that read its request, and the upstream call is made from that loop,
                // instead of hopping to the global pool and back (measured in docs/performance.md).
                _ = await MainActor.run { NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
            }
            var logger = Logger(label: "switchboard")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let environment = ProcessInfo.processInfo.environment
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
            // The command line wins over the file's `server:` block, which wins over the defaults.
            let server = loaded.configuration.server
            let settings = GatewaySettings(
                host: host ?? server.host ?? "127.0.0.1", port: port ?? server.port ?? 8080,
                clientTokens: GatewaySettings.tokens(from: environment),
                adminTokens: GatewaySettings.tokens(from: environment, variable: GatewaySettings.adminTokensVariable),
                maxRequestBytes: maxRequestBytes ?? server.maxRequestBytes ?? 1 << 20,
                maxConcurrentRequestsPerToken: maxConcurrentPerToken ?? server.maxConcurrentPerToken ?? 64)
            if let refusal = settings.refusal {
                logger.critical("\(refusal)")
                throw ExitCode(78)  // EX_CONFIG
            }
            let grace = shutdownGrace.map { Duration.seconds($0) } ?? server.shutdownGrace ?? .seconds(30)
            // One HTTP client for the process, shared by every engine a reload installs.
            // Shared state with the other replicas, when providers.yaml's `state:` names a database
            // (changing it needs a restart).
            var sharedState: SharedState?
            if let state = loaded.configuration.state {
                do {
                    let endpoint = try PostgresEndpoint(settings: state, environment: environment, configurationFile: config)
                    sharedState = SharedState(settings: state, endpoint: endpoint, logger: logger, metricsFactory: metrics.factory)
                } catch {
                    logger.critical("cannot use the state database: \(error)")
                    throw ExitCode(78)
                }
            }
            let httpClient = Switchboard.makeHTTPClient(for: loaded.configuration)
            var keyHealthObserver: (@Sendable (KeyHealthChange) -> Void)?
            if let sharedState { keyHealthObserver = { sharedState.keyHealthChanged($0) } }
            let engine: Switchboard
            do {
                engine = try Switchboard(
                    configuration: loaded.configuration, environment: environment, httpClient: httpClient, logger: logger,
                    metricsFactory: metrics.factory, keyHealthObserver: keyHealthObserver)
            } catch {
                logger.critical("cannot start with \(config): \(error)")
                try? await httpClient.shutdown()
                throw ExitCode(78)
            }
            // Usage recording, when providers.yaml's `usage:` names a database (changing it needs a restart).
            let usage: UsageRecorder?
            do {
                usage = try UsageRecorder.open(settings: loaded.configuration.usage, configurationFile: config, logger: logger)
            } catch {
                logger.critical("cannot open the usage store: \(error)")
                try? await httpClient.shutdown()
                throw ExitCode(78)
            }
            let source = Gateway.Source(path: config, environment: environment, httpClient: httpClient)
            let gateway = Gateway(
                engine: engine, settings: settings, source: source, logger: logger, metrics: metrics, usage: usage,
                sharedState: sharedState)
            logger.info("serving", metadata: [
                "address": "\(settings.host):\(settings.port)", "routes": "\(engine.routeNames.joined(separator: ","))",
                "client_auth": "\(settings.clientTokens.isEmpty ? "off (loopback only)" : "\(settings.clientTokens.count) token(s)")",
                "operator_auth": "\(Self.operatorAuth(settings))",
            ])
            // SIGHUP re-reads the configuration, as POST /admin/reload does.
            signal(SIGHUP, SIG_IGN)
            let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue.global())
            hangup.setEventHandler { _ = gateway.reload() }
            hangup.resume()
            defer { hangup.cancel() }
            let application = buildApplication(gateway: gateway)
            // Services stop in reverse order: the server drains its requests first, then the usage
            // recorder and the shared state write what they recorded.
            let recorders: [any Service] = (usage.map { [$0] } ?? []) + (sharedState.map { [$0] } ?? [])
            let healthChecks = HealthCheckService(gateway: gateway, clock: ContinuousClock())
            var services = ServiceGroupConfiguration(
                services: recorders + [application, healthChecks], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            services.maximumGracefulShutdownDuration = grace
            try await ServiceGroup(configuration: services).run()
            try await httpClient.shutdown()
        }

        /// How `/admin/*` and `/metrics` are protected, for the start-up log line.
        private static func operatorAuth(_ settings: GatewaySettings) -> String {
            if !settings.adminTokens.isEmpty { return "\(settings.adminTokens.count) token(s)" }
            if settings.clientTokens.isEmpty { return "off (loopback only)" }
            return "no operator tokens: /admin and /metrics refused"
        }
    }
}
