extension ConfigDecoder {
    static let healthCheckFields = ["interval", "timeout"]

    /// A provider's `health_check:` block. Nil (with diagnostics) when it is not a mapping or its
    /// `interval` is missing or bad.
    mutating func decodeHealthCheck(
        _ node: YAMLNode, in provider: String, nameLocation: SourceLocation, adapter: AdapterDeclaration?
    ) -> HealthCheck? {
        let what = "health_check of \(provider)"
        guard let reader = MappingReader(
            node, what: what, known: Self.healthCheckFields, nameLocation: nameLocation, diagnostics: &diagnostics)
        else { return nil }
        warnIfOffline(adapter, what: what, consequence: "has nothing to probe", at: nameLocation)
        var interval: Duration?
        if let node = reader.required("interval", diagnostics: &diagnostics),
            let value = duration(node, field: "interval", in: what)
        {
            // Every probe is a call on each key: probing more often would spend quota and rate limits on probes.
            if value < HealthCheck.minimumInterval {
                diagnostics.append(
                    .error(.invalidValue,
                           "'interval' in \(what) must be at least \(DurationParser.format(HealthCheck.minimumInterval)) "
                               + "(each probe is a call on every key), found \(DurationParser.format(value))",
                           at: node.location))
            } else {
                interval = value
            }
        }
        var check = HealthCheck(interval: interval ?? HealthCheck.minimumInterval, source: reader.source)
        if let value = reader.value("timeout"), let timeout = positiveDuration(value, field: "timeout", in: what) {
            if let interval, timeout > interval {
                diagnostics.append(
                    .error(.invalidValue,
                           "'timeout' in \(what) must not be longer than 'interval' "
                               + "(\(DurationParser.format(interval))), found \(DurationParser.format(timeout))",
                           at: value.location))
            } else {
                check.timeout = timeout
            }
        }
        return interval == nil ? nil : check
    }
}
