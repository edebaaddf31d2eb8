extension ErrorRule {
    /// The rules every configuration ends with, after its own `error_rules`. They mirror the original
    /// integration and cover every outcome, so no failure goes unclassified.
    public static let builtInDefaults: [ErrorRule] = [
        ErrorRule(
            name: "rate_limited", match: .http(statuses: StatusSet(codes: [429]), bodyContains: nil),
            action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(30), honorRetryAfter: true)),
        ErrorRule(
            name: "unauthorized", match: .http(statuses: StatusSet(codes: [401]), bodyContains: nil),
            action: .nextKey, keyEffect: KeyEffect(disable: true)),
        ErrorRule(
            name: "quota_exhausted", match: .http(statuses: StatusSet(codes: [402]), bodyContains: nil),
            action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(600), honorRetryAfter: true)),
        ErrorRule(
            name: "forbidden", match: .http(statuses: StatusSet(codes: [403]), bodyContains: nil),
            action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(300))),
        ErrorRule(
            name: "unavailable", match: .http(statuses: StatusSet(codes: [503]), bodyContains: nil),
            action: .nextKey, keyEffect: KeyEffect(cooldown: .seconds(20), honorRetryAfter: true)),
        ErrorRule(
            name: "bad_request", match: .http(statuses: StatusSet(codes: [400, 422]), bodyContains: nil),
            action: .fail),
        ErrorRule(
            name: "server_error", match: .http(statuses: StatusSet([500...599]), bodyContains: nil),
            action: .nextTarget),
        ErrorRule(
            name: "client_error", match: .http(statuses: StatusSet([400...499]), bodyContains: nil),
            action: .nextTarget),
        ErrorRule(name: "timeout", match: .transport([.timeout]), action: .nextTarget),
        ErrorRule(
            name: "connection_error", match: .transport([.connectionRefused, .connectionReset]),
            action: .nextTarget),
        ErrorRule(name: "malformed_response", match: .transport([.malformedResponse]), action: .nextTarget),
        ErrorRule(
            name: "unexpected_status", match: .http(statuses: nil, bodyContains: nil), action: .nextTarget),
    ]
}
