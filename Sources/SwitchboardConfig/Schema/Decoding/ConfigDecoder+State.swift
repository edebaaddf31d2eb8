extension ConfigDecoder {
    static let stateFields = ["postgres_env", "tls", "ca_file", "usage_buffer", "sync_interval"]

    mutating func decodeState(_ node: YAMLNode) -> StateSettings? {
        let what = "state"
        // `state: postgres://…` is the URL where the block belongs: the usual wrong-type error would
        // echo it, password and all, without masking.
        if let text = node.string, Self.looksLikeConnectionURL(text) {
            reportConnectionURL(at: node, where: "in place of the state block")
            return nil
        }
        guard let reader = MappingReader(node, what: what, known: Self.stateFields, diagnostics: &diagnostics)
        else { return nil }
        // A URL under a misspelt or invented key (`postgres_url:`) leaks as surely as one in postgres_env.
        for pair in node.mapping ?? [] {
            guard let name = pair.key.string, !Self.stateFields.contains(name), let text = pair.value.string,
                Self.looksLikeConnectionURL(text)
            else { continue }
            reportConnectionURL(at: pair.value, where: "in '\(SafeText.excerpt(name))'")
        }
        var variable: String?
        if let envNode = reader.required("postgres_env", diagnostics: &diagnostics) {
            variable = decodeStateVariable(envNode)
        }
        // The other fields are checked even when the variable is wrong, so that one pass reports them all.
        var state = StateSettings(postgresEnv: variable ?? "", source: reader.source)
        let tlsNode = reader.value("tls")
        if let tlsNode { state.tls = oneOf(tlsNode, field: "tls", in: what, as: StateSettings.TLSMode.self) }
        if let value = reader.value("ca_file") {
            state.caFile = string(value, field: "ca_file", in: what)
            if state.caFile?.isEmpty == true {
                diagnostics.append(.error(.invalidValue, "'ca_file' in state must not be empty", at: value.location))
                state.caFile = nil
            } else if state.caFile != nil {
                checkCAFileIsUsed(state.tls, tlsWritten: tlsNode != nil, at: value.location)
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

    /// Only `verify-full` checks the server's certificate, so only it reads `ca_file`. A `tls` that was
    /// written but is invalid has its own error; warning here too would be a cascade.
    private mutating func checkCAFileIsUsed(_ tls: StateSettings.TLSMode?, tlsWritten: Bool, at location: SourceLocation) {
        switch tls {
        case .verifyFull:
            return
        case .some(let mode):
            diagnostics.append(.warning(
                .ineffectiveSetting,
                "'ca_file' in state is used only with tls: verify-full, not with tls: \(mode.rawValue) (which does not "
                    + "check the certificate)", at: location))
        case nil where !tlsWritten:
            diagnostics.append(.warning(
                .ineffectiveSetting,
                "'ca_file' in state is used only with tls: verify-full; without 'tls' the URL's sslmode decides "
                    + "(prefer when it has none): write tls: verify-full", at: location))
        case nil:
            return
        }
    }

    /// The variable's name, or nil (reported) when it is not one.
    private mutating func decodeStateVariable(_ node: YAMLNode) -> String? {
        guard let variable = string(node, field: "postgres_env", in: "state") else { return nil }
        guard !Self.isEnvironmentName(variable) else { return variable }
        // Anything URL-like or connection-string-like may carry the password: say what, never the value.
        if Self.looksLikeConnectionURL(variable) || variable.contains(":") {
            reportConnectionURL(at: node, where: nil)
        } else if variable.isEmpty {
            diagnostics.append(.error(
                .invalidValue, "'postgres_env' in state must not be empty: name the variable that holds the postgres:// URL",
                at: node.location))
        } else {
            diagnostics.append(.error(
                .invalidValue,
                "'postgres_env' in state must be an environment variable name (letters, digits and _, not starting "
                    + "with a digit), found '\(Self.excerpt(variable))'",
                at: node.location))
        }
        return nil
    }

    /// A `literal-secret` error at `node`, so that every echo of its line is masked; the message never
    /// quotes the value.
    private mutating func reportConnectionURL(at node: YAMLNode, where place: String?) {
        let message: String
        if let place {
            message = "a connection URL is written \(place): name the environment variable that holds it in "
                + "'postgres_env' (like SWITCHBOARD_DATABASE_URL) instead"
        } else {
            message = "'postgres_env' in state must name an environment variable (like SWITCHBOARD_DATABASE_URL), not "
                + "hold the connection URL"
        }
        diagnostics.append(.error(
            .literalSecret, message + ": a URL in providers.yaml puts the database password in the file", at: node.location))
    }

    /// `postgres://…`, `user:password@host`, or libpq's `host=… password=…`.
    static func looksLikeConnectionURL(_ text: String) -> Bool {
        text.contains("://") || text.contains("@") || text.contains("=")
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, the names a shell can export.
    static func isEnvironmentName(_ name: String) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
