#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hosts in base URLs and listen addresses.
public enum URLHost {
    /// The host of a URL, if it has one.
    static func of(_ url: String) -> String? { URLComponents(string: url)?.host }

    /// `localhost`, `*.localhost`, `::1`, or a dotted IPv4 address in 127.0.0.0/8 — not any name that
    /// merely starts with "127.".
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingScalars(where: { $0 == "[" || $0 == "]" })
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), let value = Int(octet) else { return false }
            return (0...255).contains(value)
        }
    }
}
