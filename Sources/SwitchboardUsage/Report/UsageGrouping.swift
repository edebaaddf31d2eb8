/// What a usage report groups by.
///
/// `route` reads the requests table: one row per client request, so requests, success rate and latency
/// are what clients saw. `provider`, `model`, `target` and `key` read the attempts table, because one
/// request may touch several of them: there the success rate and latency are per upstream attempt.
public enum UsageGrouping: String, CaseIterable, Sendable {
    case route, provider, model, key
    /// A provider and model together (`provider [model]`), as a route's target names them.
    case target

    /// How a target is named in a report grouped by target.
    public static func targetName(provider: String, model: String?) -> String {
        guard let model, !model.isEmpty else { return provider }
        return "\(provider) [\(model)]"
    }
}
