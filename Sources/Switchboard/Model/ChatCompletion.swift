import SwitchboardConfig

import SwitchboardJSON

/// Why generation stopped, in OpenAI's words.
public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop
    case length
    case contentFilter = "content_filter"
    case toolCalls = "tool_calls"

    /// Maps an upstream's word onto ours; unknown words count as `stop`.
    public init(upstream: String?) {
        switch upstream {
        case "length", "max_tokens", "model_length": self = .length
        case "content_filter": self = .contentFilter
        case "tool_calls", "function_call": self = .toolCalls
        default: self = .stop
        }
    }
}

/// Token counts, when the upstream reports them.
public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens ?? promptTokens + completionTokens
    }
}

/// What one adapter call produced.
public struct AdapterOutput: Sendable, Hashable {
    /// Every choice; the first one's text and finish reason are also `text` and `finishReason`.
    public var choices: [ChatChoice]
    public var usage: Usage?
    /// The model the upstream says answered, when it says.
    public var model: String?
    /// The upstream's answer exactly as it arrived, when it is already an OpenAI chat completion (it is
    /// then relayed to HTTP clients as it is).
    public var body: [UInt8]?

    public init(text: String, finishReason: FinishReason = .stop, usage: Usage? = nil, model: String? = nil) {
        self.init(choices: [ChatChoice(message: .assistant(text), finishReason: finishReason)], usage: usage, model: model)
    }

    public init(choices: [ChatChoice], usage: Usage? = nil, model: String? = nil, body: [UInt8]? = nil) {
        self.choices = choices
        self.usage = usage
        self.model = model
        self.body = body
    }

    public var text: String { choices.first?.message.content ?? "" }
    public var finishReason: FinishReason { choices.first?.finishReason ?? .stop }
}

/// A finished answer in one shape whatever answered it (OpenAI chat-completion semantics), with the
/// route, provider and model that actually answered and the trace of every attempt.
public struct ChatCompletion: Sendable, Hashable {
    /// Every choice (one unless the request asked for `n` > 1).
    public var choices: [ChatChoice]
    public var usage: Usage?
    public var route: String
    public var provider: String
    public var model: String
    public var trace: AttemptTrace
    /// Served from the route's response cache: no upstream was called and the trace is empty; `provider`
    /// and `model` are those that gave the cached answer.
    public var cacheHit: Bool
    /// The upstream's answer exactly as it arrived, when an OpenAI-compatible target answered (nil when
    /// the gateway composed the answer: other adapters, cache hits).
    public var upstreamBody: [UInt8]?
    /// The answering target's `price:` (nil when it has none).
    public var price: Price?

    public init(
        text: String, finishReason: FinishReason, usage: Usage?, route: String, provider: String, model: String,
        trace: AttemptTrace, cacheHit: Bool = false
    ) {
        self.init(
            choices: [ChatChoice(message: .assistant(text), finishReason: finishReason)], usage: usage, route: route,
            provider: provider, model: model, trace: trace, cacheHit: cacheHit)
    }

    public init(
        choices: [ChatChoice], usage: Usage?, route: String, provider: String, model: String, trace: AttemptTrace,
        cacheHit: Bool = false, upstreamBody: [UInt8]? = nil, price: Price? = nil
    ) {
        self.choices = choices
        self.price = price
        self.upstreamBody = upstreamBody
        self.usage = usage
        self.route = route
        self.provider = provider
        self.model = model
        self.trace = trace
        self.cacheHit = cacheHit
    }

    /// What the answer cost upstream: 0 for a cache hit, nil when unknown (no price, or no usage reported).
    public var cost: Double? { Self.cost(usage: usage, price: price, cacheHit: cacheHit) }

    /// The cost of an answer's tokens: 0 for a cache hit (no upstream spent anything) and from a free
    /// target, nil when the price or the usage is missing (unknown is never reported as free).
    public static func cost(usage: Usage?, price: Price?, cacheHit: Bool) -> Double? {
        if cacheHit || price?.isFree == true { return 0 }
        guard let usage, let price else { return nil }
        return price.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
    }

    /// The first choice's text.
    public var text: String { choices.first?.message.content ?? "" }
    /// Why the first choice ended.
    public var finishReason: FinishReason { choices.first?.finishReason ?? .stop }
    /// The tools the first choice calls.
    public var toolCalls: [ToolCall] { choices.first?.message.toolCalls ?? [] }
    /// The first choice's refusal, when the model refused.
    public var refusal: String? { choices.first?.message.refusal }
}

/// A piece of a streamed answer.
///
/// A chunk relayed from an OpenAI-compatible upstream keeps the event's bytes (`event`) and reads of them
/// only what relaying needs (whether a choice finishes or carries something, and the usage); its
/// `choices` are made from the event when they are read.
public struct ChatChunk: Sendable, Hashable {
    /// What the chunk adds to each choice it touches (empty for a usage-only chunk). For a relayed event,
    /// made from its bytes at each read.
    public var choices: [ChoiceDelta] {
        get { madeChoices ?? event.map(OpenAIEvent.choices(of:)) ?? [] }
        set {
            madeChoices = newValue
            traits = nil
        }
    }
    /// Set when the upstream reports usage (usually on a last chunk of its own).
    public var usage: Usage?
    /// The upstream's event (its JSON) exactly as it arrived, when it is already an OpenAI
    /// `chat.completion.chunk` (relayed to HTTP clients as it is).
    public var event: [UInt8]?
    /// Where the event's `usage` member lies in `event`, with the comma that separates it from its
    /// neighbour: what is cut for a client that did not ask for usage.
    package var usageMember: Range<Int>?
    /// Set when the upstream's same read already holds the next chunk: a relay writes the chunks of one
    /// read together, flushing after the last, rather than one write per chunk.
    package var moreFollows = false
    private var madeChoices: [ChoiceDelta]?
    /// What relaying needs to know of the choices, read from the event without making them.
    private var traits: ChoiceTraits?

    public init(delta: String, finishReason: FinishReason? = nil, usage: Usage? = nil) {
        self.init(choices: [ChoiceDelta(content: delta, finishReason: finishReason)], usage: usage)
    }

    public init(choices: [ChoiceDelta], usage: Usage? = nil, event: [UInt8]? = nil) {
        self.madeChoices = choices
        self.usage = usage
        self.event = event
    }

    /// A relayed event's chunk, its choices left in the event.
    init(event: [UInt8], traits: ChoiceTraits, usage: Usage?, usageMember: Range<Int>?) {
        self.event = event
        self.traits = traits
        self.usage = usage
        self.usageMember = usageMember
    }

    /// Text added to the first choice (may be empty, e.g. on the last chunk).
    public var delta: String { choices.first { $0.index == 0 }?.content ?? "" }
    /// Set on the first choice's last chunk.
    public var finishReason: FinishReason? { choices.first { $0.index == 0 }?.finishReason }

    private var choiceTraits: ChoiceTraits { traits ?? ChoiceTraits(choices) }

    /// Whether the chunk adds something a reader shows: text, a refusal or a piece of a tool call (not
    /// only a role, a finish reason or usage).
    package var carriesContent: Bool { choiceTraits.carriesContent }
    /// Whether some choice ends with this chunk.
    package var finishesAChoice: Bool { choiceTraits.finishes }
    /// Whether no choice adds anything yet (the role-only first chunk most servers send).
    package var addsNothing: Bool { choiceTraits.addsNothing }
    package var hasChoices: Bool { choiceTraits.count > 0 }

    /// Equal when they say the same: the same choices (made or still in the event), usage and event.
    public static func == (lhs: ChatChunk, rhs: ChatChunk) -> Bool {
        lhs.usage == rhs.usage && lhs.event == rhs.event && lhs.usageMember == rhs.usageMember
            && lhs.moreFollows == rhs.moreFollows && lhs.choices == rhs.choices
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(choices)
        hasher.combine(usage)
        hasher.combine(event)
        hasher.combine(usageMember)
        hasher.combine(moreFollows)
    }
}

/// What relaying a chunk needs to know of its choices.
struct ChoiceTraits: Sendable, Hashable {
    var count = 0
    var carriesContent = false
    var finishes = false
    var addsNothing: Bool { !carriesContent && !finishes }

    init() {}

    init(_ choices: [ChoiceDelta]) {
        for choice in choices {
            add(content: !(choice.content ?? "").isEmpty || !choice.toolCalls.isEmpty || choice.refusal != nil,
                finishes: choice.finishReason != nil)
        }
    }

    mutating func add(content: Bool, finishes: Bool) {
        count += 1
        carriesContent = carriesContent || content
        self.finishes = self.finishes || finishes
    }
}
