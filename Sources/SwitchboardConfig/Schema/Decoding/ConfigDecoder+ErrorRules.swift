extension ConfigDecoder {
    static let ruleFields = [
        "class", "match", "action", "retries", "cooldown", "honor_retry_after", "disable_key",
    ]
    static let matchFields = ["status", "status_range", "body_contains", "transport"]

    mutating func decodeErrorRules(_ node: YAMLNode) -> [ErrorRule] {
        guard let items = node.sequence else {
            typeMismatch(node, expected: "a list of rules", field: "error_rules", in: "the top level")
            return []
        }
        return items.enumerated().compactMap { index, item in decodeErrorRule(item, what: "error rule \(index + 1)") }
    }

    private mutating func decodeErrorRule(_ node: YAMLNode, what position: String) -> ErrorRule? {
        // Name the rule by its class in every message when it has one.
        let what = node["class"]?.string.map { "error rule '\(SafeText.excerpt($0))'" } ?? position
        guard let reader = MappingReader(node, what: what, known: Self.ruleFields, diagnostics: &diagnostics)
        else { return nil }
        let name = reader.required("class", diagnostics: &diagnostics).flatMap { string($0, field: "class", in: what) }
        let match = reader.required("match", diagnostics: &diagnostics).flatMap { decodeMatch($0, in: what) }
        let action = reader.required("action", diagnostics: &diagnostics).flatMap {
            oneOf($0, field: "action", in: what, as: ErrorAction.self)
        }
        var effect = KeyEffect()
        if let value = reader.value("cooldown") { effect.cooldown = duration(value, field: "cooldown", in: what) }
        if let value = reader.value("honor_retry_after"),
            let honor = boolean(value, field: "honor_retry_after", in: what)
        {
            effect.honorRetryAfter = honor
        }
        if let value = reader.value("disable_key"), let disable = boolean(value, field: "disable_key", in: what) {
            effect.disable = disable
        }
        var retries = 2
        if let value = reader.value("retries"),
            let count = integer(value, field: "retries", in: what, range: 0...10)
        {
            retries = count
            if action != nil && action != .retry {
                diagnostics.append(
                    .warning(.invalidValue, "'retries' in \(what) only applies to action 'retry'", at: value.location))
            }
        }
        guard let name, let match, let action else { return nil }
        return ErrorRule(name: name, match: match, action: action, retries: retries, keyEffect: effect, source: reader.source)
    }

    private mutating func decodeMatch(_ node: YAMLNode, in rule: String) -> ErrorMatch? {
        let what = "the match of \(rule)"
        guard let reader = MappingReader(node, what: what, known: Self.matchFields, diagnostics: &diagnostics)
        else { return nil }
        var ranges: [ClosedRange<Int>] = []
        var sawStatus = false
        if let value = reader.value("status") {
            sawStatus = true
            ranges += statuses(value, field: "status", in: what, allowRanges: false)
        }
        if let value = reader.value("status_range") {
            sawStatus = true
            ranges += statuses(value, field: "status_range", in: what, allowRanges: true)
        }
        let body = reader.value("body_contains").flatMap { string($0, field: "body_contains", in: what) }
        var failures: Set<TransportFailure> = []
        let transportNode = reader.value("transport")
        if let transportNode, let words = stringList(transportNode, field: "transport", in: what) {
            for (word, item) in words {
                if let failure = TransportFailure(rawValue: word) {
                    failures.insert(failure)
                } else {
                    let names = TransportFailure.allCases.map(\.rawValue)
                    diagnostics.append(
                        .error(.invalidValue,
                               "'transport' in \(what) must name \(names.joined(separator: ", ")); found '\(Self.excerpt(word))'"
                                   + Suggestion.hint(for: word, in: names),
                               at: item.location))
                }
            }
        }
        let httpConditions = sawStatus || body != nil
        if httpConditions && transportNode != nil {
            diagnostics.append(
                .error(.conflictingMatch,
                       "\(what) mixes HTTP conditions (status, body_contains) with 'transport': a failure has one or the "
                           + "other, so the rule could never match; split it in two",
                       at: node.location))
            return nil
        }
        if !httpConditions && transportNode == nil {
            diagnostics.append(
                .error(.conflictingMatch,
                       "\(what) has no condition: give status, status_range, body_contains or transport",
                       at: node.location))
            return nil
        }
        let emptyList = (transportNode?.sequence?.isEmpty ?? false)
            || [reader.value("status"), reader.value("status_range")].contains { $0?.sequence?.isEmpty ?? false }
        if emptyList {
            diagnostics.append(
                .error(.conflictingMatch, "\(what) has an empty list, so the rule could never match", at: node.location))
            return nil
        }
        if transportNode != nil { return failures.isEmpty ? nil : .transport(failures) }
        if sawStatus && ranges.isEmpty { return nil }
        return .http(statuses: sawStatus ? StatusSet(ranges) : nil, bodyContains: body)
    }

    /// `429`, `[500, 502]`, `5xx`; with `allowRanges`, also `500-599` and lists of them.
    private mutating func statuses(_ node: YAMLNode, field: String, in what: String, allowRanges: Bool)
        -> [ClosedRange<Int>]
    {
        let items = node.sequence ?? [node]
        var ranges: [ClosedRange<Int>] = []
        for item in items {
            guard let text = item.scalar?.value else {
                typeMismatch(item, expected: "an HTTP status", field: field, in: what)
                continue
            }
            guard let (low, high) = Self.statusBounds(text, allowRanges: allowRanges) else {
                let expected = allowRanges ? "a range such as 500-599 or 5xx" : "a status such as 429, or 5xx"
                diagnostics.append(
                    .error(.wrongType, "'\(field)' in \(what) must be \(expected), found '\(Self.excerpt(text))'",
                           at: item.location))
                continue
            }
            guard low >= 100, high <= 599 else {
                diagnostics.append(
                    .error(.invalidStatus,
                           "HTTP status '\(Self.excerpt(text))' in \(what) is outside 100–599", at: item.location))
                continue
            }
            guard low <= high else {
                diagnostics.append(
                    .error(.invalidStatus, "status range '\(text)' in \(what) runs backwards", at: item.location))
                continue
            }
            ranges.append(low...high)
        }
        return ranges
    }

    private static func statusBounds(_ text: String, allowRanges: Bool) -> (Int, Int)? {
        let text = text.trimmingWhitespace()
        if let code = Int(text) { return (code, code) }
        if text.count == 3, text.lowercased().hasSuffix("xx"), let digit = Int(text.prefix(1)) {
            return (digit * 100, digit * 100 + 99)
        }
        guard allowRanges else { return nil }
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2,
            let low = Int(bounds[0].trimmingWhitespace()),
            let high = Int(bounds[1].trimmingWhitespace())
        else { return nil }
        return (low, high)
    }
}
