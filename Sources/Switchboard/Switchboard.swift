import AsyncHTTPClient
import Foundation
import CoreMetrics
import Logging
import SwitchboardConfig

/// The gateway as a library: answers chat requests from the best target of a route that works.
///
/// ```swift
/// let switchboard = try Switchboard(file: "providers.yaml")
/// let text = try await switchboard.generateText("Explain SSE", route: "text-generation", maxTokens: 1000, temperature: 0.7)
/// try await switchboard.shutdown()
/// ```
public final class Switchboard: Sendable {
    public let configuration: SwitchboardConfiguration
    /// Why providers will be skipped with this environment ("No HuggingFace API keys available: …").
    public let startupNotes: [String]
    private let router: Router
    private let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    /// The built-in adapters' keep-alive pools, on the HTTP client's event loops; an engine that replaces
    /// another on the same HTTP client keeps its connections.
    private let upstreamClient: UpstreamClient
    /// Every pool's key ring, so that a reload can carry cooldowns over.
    private let keyRings: [String: KeyRing]
    /// What each route name and model id selects, resolved once at load.
    private let selections: [String: RouteSelection]
    /// The response cache of each route that has one; empty at every load (a reload starts cold).
    private let caches: [String: ResponseCache]
    /// The concurrency limiter of each provider with `limits:`, handed on to the engine that replaces
    /// this one, so requests still running here keep counting against the provider.
    private let limiters: [String: ProviderLimiter]
    let metrics: EngineMetrics
    /// The engine's time (the wall clock unless a test brought its own).
    public let clock: any EngineClock
    /// Told when a key is cooled down or disabled here (shared key state between replicas).
    let keyHealthObserver: (@Sendable (KeyHealthChange) -> Void)?

    /// Builds the engine for a configuration already loaded and linted.
    ///
    /// - Parameters:
    ///   - environment: where key variables are read (the process environment by default).
    ///   - httpClient: a shared client to use; by default the engine creates one and `shutdown()` closes it.
    ///     The built-in adapters call upstreams over the engine's own keep-alive connections on this
    ///     client's event loops; adapters you register may use the client itself.
    ///   - metricsFactory: where the engine's metrics go; by default the process's bootstrapped factory.
    ///   - clock: the engine's time for cooldowns, cache expiry, queue waits, deadlines and backoffs; by
    ///     default the wall clock, or the clock of the engine this one replaces.
    ///   - keyHealthObserver: told of every key this engine cools down or disables (never the key's
    ///     value: its pool and index), to share with other gateways; by default the observer of the engine
    ///     this one replaces.
    ///   - previous: the engine this one replaces (a reload): key cooldowns carry over for pools whose
    ///     definition and keys did not change; disabled keys get a fresh chance. Each provider's
    ///     concurrency limiter carries over with the new limits, so requests in flight on `previous`
    ///     keep counting; a provider whose limits were removed lets its waiters go.
    public init(
        configuration: SwitchboardConfiguration, registry: AdapterRegistry = .builtIn,
        environment: [String: String] = ProcessInfo.processInfo.environment, httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "switchboard"), metricsFactory: (any MetricsFactory)? = nil,
        clock: (any EngineClock)? = nil, keyHealthObserver: (@Sendable (KeyHealthChange) -> Void)? = nil,
        replacing previous: Switchboard? = nil
    ) throws {
        let clock = clock ?? previous?.clock ?? SystemClock()
        self.clock = clock
        let keyHealthObserver = keyHealthObserver ?? previous?.keyHealthObserver
        self.keyHealthObserver = keyHealthObserver
        let client = httpClient ?? Self.makeHTTPClient(for: configuration)
        self.httpClient = client
        self.ownsHTTPClient = httpClient == nil
        let upstreamClient = previous.flatMap { $0.httpClient === client ? $0.upstreamClient : nil }
            ?? UpstreamClient(group: client.eventLoopGroup)
        self.upstreamClient = upstreamClient
        self.configuration = configuration
        do {
            let metrics = EngineMetrics(factory: metricsFactory)
            let limiters = Self.limiters(for: configuration, registry: registry, previous: previous?.limiters ?? [:],
                                         metrics: metrics, clock: clock)
            let compiled = try Self.compile(configuration, registry: registry, environment: environment,
                                            httpClient: client, upstreamClient: upstreamClient, logger: logger,
                                            previousRings: previous?.keyRings ?? [:],
                                            limiters: limiters, clock: clock, observer: keyHealthObserver)
            // Only now that the engine can be built: apply the new limits to carried-over limiters and lift
            // those of providers that no longer have any.
            for (name, limiter) in limiters {
                limiter.update(limits: configuration.provider(named: name)?.limits, metrics: metrics)
            }
            for (name, limiter) in previous?.limiters ?? [:] where limiters[name] !== limiter {
                limiter.update(limits: nil, metrics: nil)
            }
            self.limiters = limiters
            self.metrics = metrics
            self.router = Router(routes: compiled.routes, rules: configuration.effectiveErrorRules,
                                 metrics: metrics, timers: EventLoopTimers(group: client.eventLoopGroup), clock: clock)
            self.caches = Self.caches(for: configuration, clock: clock)
            self.startupNotes = compiled.notes
            self.keyRings = compiled.rings
            self.selections = Self.selections(for: configuration)
        } catch {
            if httpClient == nil { try? client.syncShutdown() }
            throw error
        }
        for note in startupNotes { logger.warning("\(note)") }
    }

    /// Reads, lints and loads providers.yaml. Lint errors throw a `SwitchboardError` of kind
    /// `.configuration` listing them; adapter types of `registry` are linted with their own schemas.
    public convenience init(
        file path: String, registry: AdapterRegistry = .builtIn,
        environment: [String: String] = ProcessInfo.processInfo.environment, httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "switchboard"), metricsFactory: (any MetricsFactory)? = nil
    ) throws {
        let loaded: (configuration: SwitchboardConfiguration, warnings: [Diagnostic])
        do {
            loaded = try SwitchboardConfiguration.load(file: path, catalog: registry.catalog)
        } catch {
            throw SwitchboardError(.configuration, error.description)
        }
        for warning in loaded.warnings {
            logger.warning("\(path):\(warning.location): \(warning.message) [\(warning.rule.rawValue)]")
        }
        try self.init(configuration: loaded.configuration, registry: registry, environment: environment,
                      httpClient: httpClient, logger: logger, metricsFactory: metricsFactory)
    }

    /// Closes the idle upstream connections, and the HTTP client if the engine created it.
    public func shutdown() async throws {
        upstreamClient.closeIdleConnections()
        if ownsHTTPClient { try await httpClient.shutdown() }
    }

    // MARK: - Requests

    /// The original integration's call: a prompt in, the text out.
    public func generateText(
        _ prompt: String, route: String = "text-generation", maxTokens: Int? = nil, temperature: Double? = nil
    ) async throws(SwitchboardError) -> String {
        let request = ChatRequest(messages: [.user(prompt)], maxTokens: maxTokens, temperature: temperature)
        return try await complete(request, route: route).text
    }

    /// Where a request naming `model` goes: the route of that name, whole; otherwise the first route (in
    /// file order) with a target for that model id, starting at that target.
    public func selection(forModel model: String) -> RouteSelection? { selections[model] }

    private static func selections(for configuration: SwitchboardConfiguration) -> [String: RouteSelection] {
        var selections: [String: RouteSelection] = [:]
        for route in configuration.routes {
            for (index, target) in route.targets.enumerated() {
                guard let model = target.model, selections[model] == nil else { continue }
                selections[model] = RouteSelection(route: route.name, startIndex: index)
            }
        }
        // Route names win over model ids.
        for route in configuration.routes { selections[route.name] = RouteSelection(route: route.name, startIndex: 0) }
        return selections
    }

    private static func caches(for configuration: SwitchboardConfiguration, clock: any EngineClock) -> [String: ResponseCache] {
        var caches: [String: ResponseCache] = [:]
        for route in configuration.routes {
            if let settings = route.cache, caches[route.name] == nil {
                caches[route.name] = ResponseCache(settings: settings, now: { clock.now })
            }
        }
        return caches
    }

    /// The route's cache and the request's key in it, when the route has a cache and the request is
    /// eligible (temperature 0, or any temperature when the route allows it).
    private func cacheSlot(for request: ChatRequest, selection: RouteSelection) -> (cache: ResponseCache, key: String)? {
        guard let cache = caches[selection.route], cache.isEligible(request) else { return nil }
        return (cache, ResponseCache.key(for: request, route: selection.route, startIndex: selection.startIndex))
    }

    /// Looks the request up, counting the hit or miss.
    private func cachedAnswer(in slot: (cache: ResponseCache, key: String), route: String) -> ResponseCache.Answer? {
        let answer = slot.cache.lookup(slot.key)
        metrics.cache(route: route, hit: answer != nil)
        // A hit is an answered request too.
        if answer != nil { metrics.request(route: route, outcome: "success") }
        return answer
    }

    /// Whether an answer from `target` may be cached: not from an offline target (a template answer is a
    /// stand-in while upstreams fail, and must not outlive the failure).
    private static func isCacheable(_ target: CompiledTarget) -> Bool { target.declaration.usesNetwork }

    /// A chat completion from the first target of `route` that answers.
    public func complete(_ request: ChatRequest, route: String) async throws(SwitchboardError) -> ChatCompletion {
        try await complete(request, selection: RouteSelection(route: route, startIndex: 0))
    }

    /// A chat completion from the first target that answers, from the selection's starting target on.
    public func complete(_ request: ChatRequest, selection: RouteSelection) async throws(SwitchboardError) -> ChatCompletion {
        let route = selection.route
        let slot = cacheSlot(for: request, selection: selection)
        if let slot, let cached = cachedAnswer(in: slot, route: route) {
            return ChatCompletion(
                choices: cached.choices, usage: cached.usage, route: route, provider: cached.provider,
                model: cached.model, trace: AttemptTrace(), cacheHit: true, upstreamBody: cached.body)
        }
        let success = try await router.run(route: route, startingAt: selection.startIndex, request: request) {
            target, call, lease throws(UpstreamFailure) in
            defer { lease?.release() }
            return try await target.adapter.complete(call)
        }
        let output = success.value
        let completion = ChatCompletion(
            choices: output.choices, usage: output.usage, route: route, provider: success.target.provider.name,
            model: success.target.model ?? output.model ?? success.target.provider.name, trace: success.trace,
            upstreamBody: output.body, price: success.target.price)
        metrics.spent(route: route, target: success.target, usage: output.usage)
        if let slot, Self.isCacheable(success.target) {
            slot.cache.store(
                ResponseCache.Answer(
                    choices: output.choices, usage: output.usage, provider: completion.provider,
                    model: completion.model, body: output.body),
                under: slot.key)
        }
        return completion
    }

    /// A streamed chat completion. Failover happens until the first chunk arrives (a first chunk that
    /// does not come within the attempt timeout counts as a timeout); after that, an upstream failure
    /// ends the stream with a `.streamInterrupted` error.
    public func stream(_ request: ChatRequest, route: String) async throws(SwitchboardError) -> ChatStream {
        try await stream(request, selection: RouteSelection(route: route, startIndex: 0))
    }

    /// A streamed chat completion from the selection's starting target on.
    public func stream(_ request: ChatRequest, selection: RouteSelection) async throws(SwitchboardError) -> ChatStream {
        let route = selection.route
        let slot = cacheSlot(for: request, selection: selection)
        if let slot, let cached = cachedAnswer(in: slot, route: route) {
            return ChatStream.complete(
                route: route, provider: cached.provider, model: cached.model,
                chunk: ChatChunk(choices: cached.choices.map(ChoiceDelta.init(whole:)), usage: cached.usage))
        }
        // Resolved at load with the route (a dictionary lookup, not a scan of the configuration's routes).
        let attemptTimeout = router.routes[route]?.route.policy.attemptTimeout ?? .seconds(30)
        let timers = router.timers
        let success = try await router.run(
            route: route, startingAt: selection.startIndex, request: request, settlesLater: true
        ) { target, call, lease throws(UpstreamFailure) in
            // Between chunks, the stream gets what one attempt gets. The stream holds the provider's slot
            // until it ends.
            try await StreamOpener.open(
                target.adapter, call, idleTimeout: min(attemptTimeout, target.provider.timeouts.request), lease: lease,
                timers: timers)
        }
        let opened = success.value
        let target = success.target
        let provider = target.provider.name
        let model = target.model ?? provider
        let trace = success.trace
        // A stream read to its clean end fills the cache like a plain answer; a broken one never does.
        let cacheSlot = Self.isCacheable(target) ? slot : nil
        let metrics = router.metrics
        let settlement = StreamSettlement(rules: router.rules, assembles: cacheSlot != nil) { end in
            let opening = trace.entries.last
            switch end {
            case .finished(let usage, let assembled):
                metrics.attempt(target: target, key: opening?.key, errorClass: "success", latency: opening?.latency ?? .zero)
                metrics.request(route: route, outcome: "success")
                if trace.failovers(answered: true) > 0 { metrics.failover(route: route) }
                metrics.spent(route: route, target: target, usage: usage)
                if let cacheSlot, let assembled {
                    cacheSlot.cache.store(
                        ResponseCache.Answer(choices: assembled.assembled, usage: usage, provider: provider, model: model),
                        under: cacheSlot.key)
                }
            case .interrupted(let errorClass, _):
                // The request went unanswered: its last target failed too, so it failed over.
                metrics.attempt(target: target, key: opening?.key, errorClass: errorClass, latency: opening?.latency ?? .zero)
                metrics.request(route: route, outcome: SwitchboardError.Kind.streamInterrupted.rawValue)
                metrics.failover(route: route)
            case .abandoned:
                // The upstream was answering; the client left. Not a failure of the target.
                metrics.attempt(target: target, key: opening?.key, errorClass: "success", latency: opening?.latency ?? .zero)
                metrics.request(route: route, outcome: "client_closed")
                if trace.failovers(answered: true) > 0 { metrics.failover(route: route) }
            }
        }
        return ChatStream(
            route: route, provider: provider, model: model, trace: trace, first: opened.first, rest: opened.rest,
            price: target.price, settlement: settlement, upstream: (opened.sink, opened.stop))
    }

    /// The route compiled at load, by name.
    func compiledRoute(named name: String) -> CompiledRoute? { router.routes[name] }

    /// Every key ring, by pool name (health probes disable keys in them).
    var rings: [String: KeyRing] { keyRings }

    /// Whether `route` has a response cache (its answers are then marked hit or miss).
    public func hasResponseCache(route: String) -> Bool { caches[route] != nil }

    /// Route names, in file order.
    public var routeNames: [String] { configuration.routes.map(\.name) }

    /// Whether some target of some route can be tried now: a keyless target, or one whose pool has a
    /// key that is neither disabled nor cooling for it.
    public var hasUsableTarget: Bool { router.hasUsableTarget }

    // MARK: - Loading

    /// Upstream connections per host the shared client may open: enough for thousands of concurrent
    /// streams to one provider (bounded in practice by the process's file-descriptor limit).
    static let connectionsPerHost = 16_384

    /// The HTTP client the engine would make for itself: share one between engines that replace each
    /// other (hot reload), and shut it down when the last is done.
    public static func makeHTTPClient(for configuration: SwitchboardConfiguration) -> HTTPClient {
        // One client for the process; the engine is the only retry loop, and keys never follow a redirect.
        let connect = configuration.providers.map(\.timeouts.connect).max() ?? .seconds(10)
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(connect.components.seconds * 1_000 + connect.components.attoseconds / 1_000_000_000_000_000)))
        clientConfiguration.decompression = .enabled(limit: .ratio(50))
        // A refused connection is a failure for the engine to classify, not something to retry quietly.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // Connections per upstream host. Over HTTP/1.1 each request in flight holds one for its whole
        // answer, and a streamed answer lasts seconds: a cap here (AsyncHTTPClient's default is 8) would
        // make every stream past it wait for a free connection and time out, however idle the provider.
        // A provider's concurrency is capped where the operator says so, in its `limits:`.
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.connectionsPerHost
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    /// A limiter for each provider whose limits restrict concurrency; offline adapters are never limited
    /// (the last resort always gets its turn). A provider's limiter from `previous` is reused, still with
    /// its old limits: the caller applies the new ones once the engine is built.
    private static func limiters(
        for configuration: SwitchboardConfiguration, registry: AdapterRegistry, previous: [String: ProviderLimiter],
        metrics: EngineMetrics, clock: any EngineClock
    ) -> [String: ProviderLimiter] {
        var limiters: [String: ProviderLimiter] = [:]
        for provider in configuration.providers {
            guard let limits = provider.limits, limits.limitsConcurrency,
                registry.catalog[provider.adapter]?.usesNetwork == true, limiters[provider.name] == nil
            else { continue }
            limiters[provider.name] = previous[provider.name]
                ?? ProviderLimiter(provider: provider.name, limits: limits, metrics: metrics, clock: clock)
        }
        return limiters
    }

    private static func compile(
        _ configuration: SwitchboardConfiguration, registry: AdapterRegistry, environment: [String: String],
        httpClient: HTTPClient, upstreamClient: UpstreamClient, logger: Logger, previousRings: [String: KeyRing], limiters: [String: ProviderLimiter],
        clock: any EngineClock, observer: (@Sendable (KeyHealthChange) -> Void)?
    ) throws -> (routes: [String: CompiledRoute], notes: [String], rings: [String: KeyRing]) {
        let adapterEnvironment = AdapterEnvironment(httpClient: httpClient, upstreamClient: upstreamClient, logger: logger)
        var rings: [String: KeyRing] = [:]
        var notes: [String] = []
        for pool in configuration.keyPools {
            let ring = KeyRing(pool: pool, environment: environment, clock: clock, observer: observer)
            if let previous = previousRings[pool.name], ring.isSamePool(as: previous) { ring.inheritCooldowns(from: previous) }
            rings[pool.name] = ring
            for finding in ring.resolution.findings {
                switch finding.problem {
                case .unset: continue
                case .empty: notes.append("\(finding.label) (\(finding.variable)) is empty: ignored")
                case .placeholder: notes.append("\(finding.label) (\(finding.variable)) holds a placeholder: ignored")
                case .duplicate(let first): notes.append("\(finding.label) (\(finding.variable)) repeats \(first): ignored")
                case .unexpectedPrefix(let prefix):
                    notes.append("\(finding.label) (\(finding.variable)) does not start with '\(prefix)'")
                }
            }
        }
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in configuration.providers {
            adapters[provider.name] = try registry.makeAdapter(for: provider, environment: adapterEnvironment)
            if let pool = provider.keyPool, let ring = rings[pool], ring.keys.isEmpty {
                notes.append("No \(provider.displayName) API keys available: set one of "
                             + ring.pool.variables.joined(separator: ", ") + " (provider '\(provider.name)' is skipped)")
            }
        }
        var routes: [String: CompiledRoute] = [:]
        for route in configuration.routes {
            var targets: [CompiledTarget] = []
            for target in route.targets {
                guard let provider = configuration.provider(named: target.provider),
                    let adapter = adapters[provider.name], let declaration = registry.catalog[provider.adapter]
                else {
                    throw SwitchboardError(.configuration, "route '\(route.name)' names unknown provider '\(target.provider)'")
                }
                // Offline adapters never send a key, so an empty pool must not make them skip.
                let ring = declaration.usesNetwork ? provider.keyPool.flatMap { rings[$0] } : nil
                let scope = CompiledTarget.scope(provider: provider.name, model: target.model)
                targets.append(CompiledTarget(
                    target: target, provider: provider, declaration: declaration, adapter: adapter,
                    needsDeadlineRace: declaration.usesNetwork && !(adapter is any DeadlineKeepingAdapter), keyRing: ring, rotationSlot: ring?.rotationSlot(for: scope) ?? 0,
                    scope: scope, displayName: provider.displayName, limiter: limiters[provider.name],
                    capabilities: .served(
                        declared: target.supports ?? provider.supports, adapter: Capabilities(declaration.capabilities))))
            }
            var routeLogger = logger
            routeLogger[metadataKey: "route"] = "\(route.name)"
            routes[route.name] = CompiledRoute(route: route, targets: targets, logger: routeLogger)
        }
        return (routes, notes, rings)
    }
}
