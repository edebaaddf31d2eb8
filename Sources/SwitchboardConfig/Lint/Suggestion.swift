/// "Did you mean …" by edit distance.
enum Suggestion {
    /// Hints worked out per file against lists the file defines (see `ConfigDecoder.hintBudget`).
    static let budget = 100

    /// Words operators write for ours, by meaning rather than spelling: other gateways' and providers' names
    /// for actions, adapters, parameters and sections. Used only when the meant word is a candidate.
    static let meanings: [String: String] = [
        // actions
        "next_provider": "next_target", "fallback": "next_target", "next_model": "next_target",
        "failover": "next_target", "rotate_key": "next_key", "next_api_key": "next_key", "abort": "fail",
        "stop": "fail", "error": "fail",
        // adapters
        "openai": "openai-chat", "openai-compatible": "openai-chat", "openai_compatible": "openai-chat",
        "huggingface-router": "openai-chat", "vllm": "openai-chat", "llama.cpp": "openai-chat", "bytez": "openai-chat",
        "huggingface": "hf-inference", "hf": "hf-inference", "hf-inference-api": "hf-inference",
        "offline": "template", "static": "template",
        // parameters, as provider APIs name them
        "max_new_tokens": "max_tokens", "max_output_tokens": "max_tokens", "max_completion_tokens": "max_tokens",
        "max_tokens_to_sample": "max_tokens", "maxtokens": "max_tokens", "stop_sequences": "stop",
        // sections and fields
        "policies": "policy", "hostname": "host", "listen": "host", "address": "host", "keys": "key_pools",
        "api_keys": "key_pools", "keypools": "key_pools", "pools": "key_pools", "models": "routes",
        "fallbacks": "routes", "rules": "error_rules", "url": "base_url", "api_base": "base_url",
        "endpoint": "base_url", "base_uri": "base_url", "api_key": "key_pool", "key": "key_pool",
    ]

    /// The candidate nearest to `word`, if it is near enough to be a plausible typo, or means the same.
    static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
        let candidates = Array(candidates)
        let lowered = word.lowercased()
        if let meant = meanings[lowered], candidates.contains(meant) { return meant }
        let source = Array(lowered)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(source, Array(candidate.lowercased()))
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, min(source.count, best.candidate.count) / 3)
        return best.distance <= allowed ? best.candidate : nil
    }

    /// `" (did you mean 'x'?)"`, or empty when nothing is near.
    static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        guard let match = nearest(to: word, in: candidates) else { return "" }
        return "; did you mean '\(match)'?"
    }

    /// Levenshtein distance with two rows.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
