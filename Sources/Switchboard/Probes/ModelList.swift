import SwitchboardJSON

/// An OpenAI-style models list (`{"object": "list", "data": [{"id": …}, …]}`), as OpenAI, vLLM,
/// llama.cpp and the Hugging Face router answer `GET /models`. The router's entries also name the
/// inference providers serving each model (`"providers": [{"provider": "featherless-ai", "status": "live"}]`).
struct ModelList {
    /// Inference providers by model id; an empty set when the entry names none.
    private var entries: [String: Set<String>] = [:]

    init?(_ body: [UInt8]) {
        guard let document = try? JSONObjectBytes(body), let data = document["data"]?.array else { return nil }
        for entry in data {
            guard let object = entry.object, let id = object["id"]?.string else { continue }
            let providers = object["providers"]?.array?.compactMap { $0.object?["provider"]?.string } ?? []
            entries[id] = Set(providers)
        }
    }

    /// Whether `model` is offered. A router model id may end in `:provider` (or a policy such as
    /// `:fastest`): then the model must be listed and, for a provider suffix, served by that provider.
    func verdict(for model: String) -> ProbeOutcome.ModelVerdict {
        if entries[model] != nil { return .available }
        guard let colon = model.lastIndex(of: ":") else { return .notFound("not in the provider's models list") }
        let id = String(model[..<colon])
        let suffix = String(model[model.index(after: colon)...])
        guard let providers = entries[id] else { return .notFound("not in the provider's models list") }
        if Self.policies.contains(suffix) || providers.isEmpty || providers.contains(suffix) { return .available }
        return .notFound("\(id) is listed but not served by \(suffix); served by \(providers.sorted().joined(separator: ", "))")
    }

    /// Router suffixes that choose a provider rather than name one.
    private static let policies: Set<String> = ["fastest", "cheapest", "preferred"]
}
