/// What a request can need from a target beyond plain text, and what a target declares it can serve
/// (`supports:` in providers.yaml). A target that lacks something a request needs is skipped, never
/// sent a downgraded request.
public enum Capability: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Plain text messages and answers: every target has it.
    case text
    /// `tools`, `tool_choice`, `functions`, assistant `tool_calls` and `tool` messages.
    case tools
    /// `image_url` content parts.
    case vision
    /// `input_audio` content parts, audio output (`modalities: ["audio"]`, `audio`).
    case audio
    /// `file` content parts, and content parts of types the gateway does not know.
    case files
    /// `response_format: {"type": "json_object"}`.
    case jsonObject = "json_object"
    /// `response_format: {"type": "json_schema", …}` (structured output).
    case jsonSchema = "json_schema"
    /// `logprobs: true` or `top_logprobs`.
    case logprobs
    /// `n` greater than 1.
    case multipleChoices = "multiple_choices"

    public static func < (lhs: Capability, rhs: Capability) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The names as providers.yaml spells them, in declaration order.
    public static let names: [String] = allCases.map(\.rawValue)

    /// The capability's bit in a `Capabilities` mask.
    var bit: UInt16 {
        switch self {
        case .text: return 1 << 0
        case .tools: return 1 << 1
        case .vision: return 1 << 2
        case .audio: return 1 << 3
        case .files: return 1 << 4
        case .jsonObject: return 1 << 5
        case .jsonSchema: return 1 << 6
        case .logprobs: return 1 << 7
        case .multipleChoices: return 1 << 8
        }
    }
}

/// A set of capabilities as a bit mask: what the router compares on every request, for every target,
/// without building a `Set`.
public struct Capabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(_ capability: Capability) { self.init(rawValue: capability.bit) }

    public init(_ capabilities: some Sequence<Capability>) {
        self.init(rawValue: capabilities.reduce(0) { $0 | $1.bit })
    }

    public func contains(_ capability: Capability) -> Bool { rawValue & capability.bit != 0 }

    /// The capabilities as a `Set`.
    public var set: Set<Capability> { Set(Capability.allCases.filter(contains)) }

    /// What a target serves when it declares `declared` (its `supports:` or its provider's, nil when
    /// neither says) behind an adapter that relays `adapter`: never more than the adapter relays, always text.
    public static func served(declared: Set<Capability>?, adapter: Capabilities) -> Capabilities {
        guard let declared else { return adapter.union(Capabilities(.text)) }
        return Capabilities(declared).intersection(adapter).union(Capabilities(.text))
    }
}

extension Set where Element == Capability {
    /// Every capability.
    public static var all: Set<Capability> { Set(Capability.allCases) }

    /// The names, sorted in declaration order and joined with ", ".
    public var listed: String { sorted().map(\.rawValue).joined(separator: ", ") }
}
