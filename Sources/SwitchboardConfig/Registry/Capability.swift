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
}

extension Set where Element == Capability {
    /// Every capability.
    public static var all: Set<Capability> { Set(Capability.allCases) }

    /// The names, sorted in declaration order and joined with ", ".
    public var listed: String { sorted().map(\.rawValue).joined(separator: ", ") }
}
