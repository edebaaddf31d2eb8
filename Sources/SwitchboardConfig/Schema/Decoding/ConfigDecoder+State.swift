extension ConfigDecoder {
    static let stateFields = ["postgres_env", "tls", "ca_file", "usage_buffer", "sync_interval"]

    mutating func decodeState(_ node: YAMLNode) -> StateSettings? {
        let what = "state"
        guard let reader = MappingReader(node, what: what, known: Self.stateFields, diagnostics: &diagnostics)
        else { return nil }
        var variable: String?
        if let envNode = reader.required("postgres_env", diagnostics: &diagnostics) {
            variable = decodeStateVariable(envNode)
        }
        // The other fields are checked even when the variable is wrong, so that one pass reports them all.
        var state = StateSettings(postgresEnv: variable ?? "", source: reader.source)
        if let value = reader.value("tls") { state.tls = oneOf(value, field: "tls", in: what, as: StateSettings.TLSMode.self) }
        if let value = reader.value("ca_file") {
            state.caFile = string(value, field: "ca_file", in: what)
            if state.caFile?.isEmpty == true {
                diagnostics.append(.error(.invalidValue, "'ca_file' in state must not be empty", at: value.location))
                state.caFile = nil
            } else if state.caFile != nil, state.tls != .verifyFull {
                diagnostics.append(.warning(
                    .ineffectiveSetting, "'ca_file' in state is used only with tls: verify-full", at: value.location))
            }
        }
        if let value = reader.value("usage_buffer"),
            let size = integer(value, field: "usage_buffer", in: what, range: 1...10_000_000)
        {
            state.usageBuffer = size
        }
        if let value = reader.value("sync_interval"), let interval = positiveDuration(value, field: "sync_interval", in: what) {
            if interval > .seconds(60) {
                diagnostics.append(.error(
                    .invalidValue, "'sync_interval' in state must be at most 1m: it bounds how long a missed change goes unseen",
                    at: value.location))
            } else {
                state.syncInterval = interval
            }
        }
        return variable == nil ? nil : state
    }

    /// The variable's name, or nil (reported) when it is not one.
    private mutating func decodeStateVariable(_ node: YAMLNode) -> String? {
        guard let variable = string(node, field: "postgres_env", in: "state") else { return nil }
        guard !Self.isEnvironmentName(variable) else { return variable }
        // A URL here would put the password in the file (and in this message): say what, not the value.
        if variable.contains("://") || variable.contains("@") || variable.contains("=") {
            diagnostics.append(.error(
                .literalSecret,
                "'postgres_env' in state must name an environment variable (like SWITCHBOARD_DATABASE_URL), not hold "
                    + "the connection URL: a URL in providers.yaml puts the database password in the file",
                at: node.location))
        } else {
            diagnostics.append(.error(
                .invalidValue,
                "'postgres_env' in state must be an environment variable name (letters, digits and _, not starting "
                    + "with a digit), found '\(variable)'",
                at: node.location))
        }
        return nil
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, the names a shell can export.
    static func isEnvironmentName(_ name: String) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
