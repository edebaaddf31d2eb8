import Crypto
import Foundation

/// Names a key across replicas without storing it: HMAC-SHA256 of the value under a secret every replica
/// reads from the database, truncated to 128 bits, in hex. One-way, and useless without the secret.
struct KeyFingerprinter: Sendable {
    private let secret: SymmetricKey

    init(secret: [UInt8]) {
        self.secret = SymmetricKey(data: secret)
    }

    func fingerprint(_ value: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: secret)
        return code.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
