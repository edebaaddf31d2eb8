import AsyncHTTPClient
import Logging
import SwitchboardConfig

/// A kind of provider API. Adding one is a new type conforming to this protocol plus one
/// `AdapterRegistry.register(_:)` call; the router and the linter are not edited.
///
/// An adapter makes exactly one upstream call per method call and reports failure as an
/// `UpstreamFailure`: the engine alone classifies failures, retries and fails over.
public protocol ProviderAdapter: Sendable {
    /// The adapter's name and the schema of its options and target parameters (what the linter checks).
    static var declaration: AdapterDeclaration { get }

    /// Builds the adapter for one provider of providers.yaml. Options have already been validated
    /// against `declaration` and their defaults filled in.
    init(provider: Provider, environment: AdapterEnvironment) throws

    /// One non-streaming call.
    func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput

    /// One streaming call. Throws when the call fails before the answer starts; failures after that
    /// end the returned sequence with an error.
    func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error>

    /// Checks a key and the provider's models with the cheapest calls the API offers (`switchboard probe`
    /// and the background health checks). Optional: the default says the adapter cannot check.
    func probe(_ call: ProbeCall) async -> ProbeOutcome
}

extension ProviderAdapter {
    public func probe(_ call: ProbeCall) async -> ProbeOutcome {
        ProbeOutcome(key: .notChecked("the \(Self.declaration.name) adapter has no probe"))
    }
}

/// What adapters share: the process's HTTP client and a logger.
public struct AdapterEnvironment: Sendable {
    public var httpClient: HTTPClient
    public var logger: Logger
    /// The most bytes read from one upstream answer.
    public var maxResponseBytes: Int
    /// The built-in adapters' client: keep-alive pools on `httpClient`'s event loops, shared by the
    /// engines of one process.
    var upstreamClient: UpstreamClient

    public init(httpClient: HTTPClient, logger: Logger, maxResponseBytes: Int = 8 << 20) {
        self.init(httpClient: httpClient, upstreamClient: UpstreamClient(group: httpClient.eventLoopGroup), logger: logger,
                  maxResponseBytes: maxResponseBytes)
    }

    init(httpClient: HTTPClient, upstreamClient: UpstreamClient, logger: Logger, maxResponseBytes: Int = 8 << 20) {
        self.httpClient = httpClient
        self.upstreamClient = upstreamClient
        self.logger = logger
        self.maxResponseBytes = maxResponseBytes
    }
}

/// One attempt: the request as this target sees it, the key to use, and when the attempt must end.
public struct AdapterCall: Sendable {
    public var request: ChatRequest
    public var target: Target
    /// Nil for keyless providers.
    public var key: ResolvedKey?
    public var deadline: ContinuousClock.Instant
    public var logger: Logger

    public init(
        request: ChatRequest, target: Target, key: ResolvedKey?, deadline: ContinuousClock.Instant, logger: Logger
    ) {
        self.request = request
        self.target = target
        self.key = key
        self.deadline = deadline
        self.logger = logger
    }
}
