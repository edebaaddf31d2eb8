import Synchronization

/// Request and completion ids: unique within the process and random-looking, without a system call or
/// a lock per request (`UUID()` reads the kernel's random source every time, which showed on the
/// overhead benchmark). A counter goes through SplitMix64's finalizer, a bijection on 64 bits, keyed by
/// random numbers drawn once per process: no two ids of a process are equal, and ids of two processes
/// differ with overwhelming probability. Not secrets, and not to be used as such.
enum Identifiers {
    private static let keys = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    private static let counter = Atomic<UInt64>(0)

    /// 128 bits: the first 64 unique per process, the next 64 derived from them.
    private static func next() -> (UInt64, UInt64) {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let high = mix(count &+ keys.0)
        return (high, mix(high ^ keys.1))
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `chatcmpl-` and 32 hex digits, like OpenAI's completion ids.
    static func completionID() -> String {
        let (high, low) = next()
        return String(unsafeUninitializedCapacity: 41) { bytes in
            var at = 0
            for byte in "chatcmpl-".utf8 {
                bytes[at] = byte
                at += 1
            }
            hex(high, digits: 16, into: bytes, at: &at)
            hex(low, digits: 16, into: bytes, at: &at)
            return at
        }
    }

    /// A lowercase UUID-shaped id (8-4-4-4-12 hex digits) for `x-request-id`.
    static func requestID() -> String {
        let (high, low) = next()
        return String(unsafeUninitializedCapacity: 36) { bytes in
            var at = 0
            for (value, digits) in [(high >> 32, 8), (high >> 16, 4), (high, 4), (low >> 48, 4), (low, 12)] {
                if at > 0 {
                    bytes[at] = UInt8(ascii: "-")
                    at += 1
                }
                hex(value, digits: digits, into: bytes, at: &at)
            }
            return at
        }
    }

    /// Writes the low `digits` hex digits of `value` (lowercase, zero-padded) at `at`, and moves `at` past them.
    private static func hex(_ value: UInt64, digits: Int, into bytes: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        for digit in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * (digits - 1 - digit))) & 0xF
            bytes[at + digit] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
        }
        at += digits
    }
}
