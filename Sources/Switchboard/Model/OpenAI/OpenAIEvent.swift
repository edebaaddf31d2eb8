import SwitchboardJSON

/// A streamed `chat.completion.chunk` event, read for relaying: the event is checked to be JSON, and of
/// the rest only what failover and usage need is read (whether each choice finishes or adds something,
/// and the usage). The text is not made: the event goes to the client as it came.
enum OpenAIEvent {
    /// The event's chunk, keeping its bytes; nil when the event is not a chunk (not JSON, or no
    /// `choices` array).
    static func chunk(_ event: [UInt8]) -> ChatChunk? {
        guard let scan = try? JSONScan(event), let choices = scan.value("choices", of: scan.root),
            scan.kind(of: choices) == .array
        else { return nil }
        var traits = ChoiceTraits()
        scan.forEachElement(of: choices) { choice in
            guard scan.kind(of: choice) == .object else { return }
            var delta: Range<Int>?
            var finishReason: Range<Int>?
            scan.forEachMember(of: choice) { key, member in
                if scan.isKey(key, "delta") { delta = member.value } else if scan.isKey(key, "finish_reason") { finishReason = member.value }
            }
            traits.add(content: addsContent(delta, in: scan), finishes: finishReason.map { scan.kind(of: $0) == .string } ?? false)
        }
        return ChatChunk(
            event: event, traits: traits, usage: scan.value("usage", of: scan.root).flatMap { Usage(openAI: scan.parse($0)) },
            usageMember: scan.memberWithSeparator("usage", of: scan.root))
    }

    /// The event's choices, made (what a reader of the Swift API gets).
    static func choices(of event: [UInt8]) -> [ChoiceDelta] {
        guard let document = try? JSONObjectBytes(event), let choices = document["choices"]?.array else { return [] }
        return choices.enumerated().compactMap { ChoiceDelta(openAI: $1, position: $0) }
    }

    /// Whether a choice's `delta` adds text, a refusal or a piece of a tool call, as `ChoiceDelta` reads them.
    private static func addsContent(_ delta: Range<Int>?, in scan: JSONScan) -> Bool {
        guard let delta else { return false }
        var content: Range<Int>?
        var refusal: Range<Int>?
        var calls: Range<Int>?
        scan.forEachMember(of: delta) { key, member in
            if scan.isKey(key, "content") {
                content = member.value
            } else if scan.isKey(key, "refusal") {
                refusal = member.value
            } else if scan.isKey(key, "tool_calls") {
                calls = member.value
            }
        }
        if let content, scan.kind(of: content) == .string, !scan.isEmptyString(content) { return true }
        if let refusal, scan.kind(of: refusal) == .string { return true }
        guard let calls, scan.kind(of: calls) == .array, let parsed = scan.parse(calls)?.array else { return false }
        return parsed.contains { ToolCallDelta(openAI: $0) != nil }
    }
}
