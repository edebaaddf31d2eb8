/// A provider: one API endpoint served by one adapter type, with the keys it may use.
public struct Provider: Sendable, Hashable {
    public struct Timeouts: Sendable, Hashable {
        /// Establishing the TCP (and TLS) connection.
        public var connect: Duration
        /// One whole attempt, from sending the request to the last byte of the answer. The route's
        /// `attempt_timeout` and remaining deadline can only shorten it.
        public var request: Duration

        public init(connect: Duration = .seconds(10), request: Duration = .seconds(60)) {
            self.connect = connect
            self.request = request
        }
    }

    public var name: String
    /// How messages name the provider ("All HuggingFace Router API keys failed"); defaults to `name`.
    public var displayName: String
    /// The adapter type, by its registered name (`openai-chat`, `hf-inference`, `template`, …).
    public var adapter: String
    public var baseURL: String?
    /// The key pool the provider draws from; nil for keyless providers (template, local servers).
    public var keyPool: String?
    public var timeouts: Timeouts
    /// Extra headers sent with every upstream request, in file order.
    public var headers: [Header]
    /// Adapter-specific options, validated against the adapter's option schema, defaults filled in.
    public var options: OptionValues
    /// Concurrency limits and the wait queue; nil means unlimited.
    public var limits: ProviderLimits?
    /// `supports:`: what this provider's models can serve, narrowing the adapter's capabilities; nil
    /// means everything the adapter relays.
    public var supports: Set<Capability>?
    /// `price:`: what the provider's models cost; a target's own price replaces it. Nil means unpriced.
    public var price: Price?
    /// `health_check:`: background probes of the provider's keys and models; nil means none.
    public var healthCheck: HealthCheck?
    public var source: SourceMap

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        name: String, displayName: String? = nil, adapter: String, baseURL: String? = nil, keyPool: String? = nil,
        timeouts: Timeouts = Timeouts(), headers: [Header] = [], options: OptionValues = OptionValues(),
        limits: ProviderLimits? = nil, supports: Set<Capability>? = nil, price: Price? = nil,
        healthCheck: HealthCheck? = nil, source: SourceMap = .none
    ) {
        self.name = name
        self.displayName = displayName ?? name
        self.adapter = adapter
        self.baseURL = baseURL
        self.keyPool = keyPool
        self.timeouts = timeouts
        self.headers = headers
        self.options = options
        self.limits = limits
        self.supports = supports
        self.price = price
        self.healthCheck = healthCheck
        self.source = source
    }
}
