/// What a model costs, per million prompt (input) and completion (output) tokens, in the operator's currency.
///
/// Written as `price:` on a provider or on a route target; a target's price replaces its provider's
/// rather than adding to it, so one provider can serve models of different prices. The currency is
/// whatever the operator writes consistently: the gateway only multiplies.
public struct Price: Sendable, Hashable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    public var source: SourceMap

    public init(inputPerMillion: Double, outputPerMillion: Double, source: SourceMap = .none) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.source = source
    }

    /// What an offline target (a template) costs: nothing, whatever it reports.
    public static let free = Price(inputPerMillion: 0, outputPerMillion: 0)

    /// Whether every token is free (then the cost is 0 even when no usage was reported).
    public var isFree: Bool { inputPerMillion == 0 && outputPerMillion == 0 }

    /// The cost of one request's tokens.
    public func cost(promptTokens: Int, completionTokens: Int) -> Double {
        // One division at the end rather than one per price: one rounding fewer.
        (Double(promptTokens) * inputPerMillion + Double(completionTokens) * outputPerMillion) / 1_000_000
    }
}
