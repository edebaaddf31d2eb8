import Foundation

/// The host of a base URL, for loopback checks and messages.
enum URLHost {
    static func of(_ url: String) -> String? { URLComponents(string: url)?.host }
}
