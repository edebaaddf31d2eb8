/// What a usage report groups by.
///
/// `route` reads the requests table: one row per client request, so requests, success rate and latency
/// are what clients saw. `provider`, `model` and `key` read the attempts table, because one request may
/// touch several of them: there the success rate and latency are per upstream attempt.
public enum UsageGrouping: String, CaseIterable, Sendable {
    case route, provider, model, key
}
