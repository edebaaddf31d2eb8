#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ConfigDecoder {
    static let providerFields = [
        "adapter", "display_name", "base_url", "key_pool", "timeouts", "headers", "options", "limits", "supports",
        "price", "health_check",
    ]
    static let timeoutFields = ["connect", "request"]
    static let limitFields = ["max_in_flight", "max_in_flight_per_key", "queue_size", "max_wait"]

    mutating func decodeProviders(_ node: YAMLNode) -> [Provider] {
        var providers: [Provider] = []
        forEachEntry(of: node, what: "providers") { decoder, name, value, key in
            if let provider = decoder.decodeProvider(name: name, value, key: key) {
                providers.append(provider)
            } else {
                decoder.losses.providers.insert(name)
            }
        }
        return providers
    }

    private mutating func decodeProvider(name: String, _ node: YAMLNode, key: YAMLNode) -> Provider? {
        let what = "provider '\(name)'"
        guard let reader = MappingReader(
            node, what: what, known: Self.providerFields, nameLocation: key.location, diagnostics: &diagnostics)
        else { return nil }
        guard let adapterNode = reader.required("adapter", diagnostics: &diagnostics),
            let adapter = string(adapterNode, field: "adapter", in: what)
        else {
            if let pool = reader.value("key_pool")?.string { losses.keyPoolsOfLostProviders.insert(pool) }
            return nil
        }
        var provider = Provider(name: name, adapter: adapter, source: reader.source)
        let declaration = catalog[adapter]
        if declaration == nil {
            diagnostics.append(
                .error(.unknownAdapter,
                       "unknown adapter type '\(Self.excerpt(adapter))' in \(what); registered types: "
                           + catalog.names.joined(separator: ", ") + Suggestion.hint(for: adapter, in: catalog.names),
                       at: adapterNode.location))
        }

        if let urlNode = reader.value("base_url"), let url = string(urlNode, field: "base_url", in: what) {
            if checkBaseURL(url, at: urlNode.location, in: what) { provider.baseURL = url }
        } else if declaration?.usesNetwork == true {
            _ = reader.required("base_url", diagnostics: &diagnostics)
        }
        if let pool = reader.value("key_pool") { provider.keyPool = string(pool, field: "key_pool", in: what) }
        if let display = reader.value("display_name"), let text = string(display, field: "display_name", in: what) {
            provider.displayName = text
        }
        if let timeouts = reader.value("timeouts") { provider.timeouts = decodeTimeouts(timeouts, in: what) }
        if let headers = reader.value("headers") { provider.headers = decodeHeaders(headers, in: what) }
        if let limits = reader.value("limits") {
            provider.limits = decodeLimits(limits, in: what, nameLocation: reader.source.key("limits"))
        }
        if let supports = reader.value("supports") {
            provider.supports = decodeSupports(supports, in: what, adapter: declaration)
        }
        if let price = reader.value("price") {
            provider.price = decodePrice(price, in: what, nameLocation: reader.source.key("price"), adapter: declaration)
        }
        if let healthCheck = reader.value("health_check") {
            provider.healthCheck = decodeHealthCheck(
                healthCheck, in: what, nameLocation: reader.source.key("health_check"), adapter: declaration)
        }
        if let declaration {
            provider.options = decodeOptions(
                reader.value("options"), specs: declaration.options, what: "options of \(what)",
                ownerLocation: key.location, providerOptions: nil)
            if let base = provider.baseURL, let urlNode = reader.value("base_url") {
                checkRequestPath(of: base, provider: provider, declaration: declaration, at: urlNode.location, in: what)
            }
        }
        return provider
    }

    /// The hosted OpenAI-compatible APIs operators name most serve it under `/v1`; a bare host sends every
    /// request to a 404.
    private mutating func checkVersionPrefix(of base: String, at location: SourceLocation, in what: String) {
        let knownHosts = ["api.openai.com", "router.huggingface.co"]
        guard let components = URLComponents(string: base), let host = components.host?.lowercased(),
            knownHosts.contains(host)
        else { return }
        let path = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        guard path.isEmpty else { return }
        diagnostics.append(
            .warning(.invalidURL,
                     "'base_url' in \(what) has no path: \(host) serves its OpenAI-compatible API under /v1, so "
                         + "requests would go to '\(host)/chat/completions'; use 'https://\(host)/v1'",
                     at: location))
    }

    /// A `base_url` that already ends in the path the adapter appends (`…/v1/chat/completions`, pasted from
    /// a provider's docs) would send every request to `…/chat/completions/chat/completions`.
    private mutating func checkRequestPath(
        of base: String, provider: Provider, declaration: AdapterDeclaration, at location: SourceLocation, in what: String
    ) {
        guard let spec = declaration.options.first(where: { $0.name == "chat_path" }),
            let path = provider.options["chat_path"]?.string ?? spec.defaultValue?.string, path.count > 1
        else { return }
        if path == "/chat/completions" { checkVersionPrefix(of: base, at: location, in: what) }
        let trimmedPath = path.hasSuffix("/") ? String(path.dropLast()) : path
        let trimmedBase = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard trimmedBase.lowercased().hasSuffix(trimmedPath.lowercased()) else { return }
        let corrected = String(trimmedBase.dropLast(trimmedPath.count))
        diagnostics.append(
            .error(.invalidURL,
                   "'base_url' in \(what) already ends in '\(Self.excerpt(trimmedPath))', which adapter "
                       + "'\(provider.adapter)' appends: requests would go to '…\(Self.excerpt(trimmedPath + trimmedPath))'; "
                       + "end base_url before it ('\(Self.excerpt(corrected))')",
                   at: location))
    }

    /// False (with a diagnostic) when the URL cannot be used; plain http to a remote host only warns.
    private mutating func checkBaseURL(_ text: String, at location: SourceLocation, in what: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            diagnostics.append(
                .error(.invalidURL,
                       "'base_url' in \(what) must be an absolute http:// or https:// URL, found '\(Self.excerpt(text))'",
                       at: location))
            return false
        }
        if components.query != nil || components.fragment != nil {
            diagnostics.append(
                .error(.invalidURL, "'base_url' in \(what) must not carry a query or fragment", at: location))
            return false
        }
        if scheme == "http", !URLHost.isLoopback(host) {
            diagnostics.append(
                .warning(.insecureURL,
                         "'base_url' in \(what) uses plain http:// to '\(host)': keys and prompts cross the network unencrypted",
                         at: location))
        }
        return true
    }

    private mutating func decodeTimeouts(_ node: YAMLNode, in what: String) -> Provider.Timeouts {
        var timeouts = Provider.Timeouts()
        guard let reader = MappingReader(
            node, what: "timeouts of \(what)", known: Self.timeoutFields, diagnostics: &diagnostics)
        else { return timeouts }
        if let value = reader.value("connect"), let duration = positiveDuration(value, field: "connect", in: reader.what) {
            timeouts.connect = duration
        }
        if let value = reader.value("request"), let duration = positiveDuration(value, field: "request", in: reader.what) {
            timeouts.request = duration
        }
        return timeouts
    }

    private mutating func decodeLimits(_ node: YAMLNode, in what: String, nameLocation: SourceLocation)
        -> ProviderLimits?
    {
        guard let reader = MappingReader(
            node, what: "limits of \(what)", known: Self.limitFields, nameLocation: nameLocation,
            diagnostics: &diagnostics)
        else { return nil }
        var limits = ProviderLimits(source: reader.source)
        if let value = reader.value("max_in_flight") {
            limits.maxInFlight = integer(value, field: "max_in_flight", in: reader.what, range: ProviderLimits.inFlightRange)
        }
        if let value = reader.value("max_in_flight_per_key") {
            limits.maxInFlightPerKey = integer(
                value, field: "max_in_flight_per_key", in: reader.what, range: ProviderLimits.inFlightRange)
        }
        if let value = reader.value("queue_size"),
            let size = integer(value, field: "queue_size", in: reader.what, range: ProviderLimits.queueSizeRange)
        {
            limits.queueSize = size
        }
        if let value = reader.value("max_wait"), let wait = positiveDuration(value, field: "max_wait", in: reader.what) {
            limits.maxWait = wait
        }
        return limits
    }

    private mutating func decodeHeaders(_ node: YAMLNode, in what: String) -> [Provider.Header] {
        var headers: [Provider.Header] = []
        forEachEntry(of: node, what: "headers of \(what)", skippingExtensions: false) { decoder, name, value, key in
            guard name.utf8.allSatisfy(Self.isTokenByte) else {
                decoder.diagnostics.append(
                    .error(.invalidValue, "'\(Self.excerpt(name))' is not a valid HTTP header name", at: key.location))
                return
            }
            guard let text = decoder.string(value, field: name, in: "headers of \(what)") else { return }
            headers.append(Provider.Header(name: name, value: text))
        }
        return headers
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
