/// Parses the short decimals configuration files are full of (`0.7`, `1.5`, `-2`) without `strtod`, which
/// costs about a thousand instructions a number. Anything else (exponents, `inf`, hex, a leading `+` or
/// `.`, more than 15 digits) returns nil and is left to `Double(_:)`.
///
/// Exact: with at most 15 digits the digits form an integer below 2^53 and the divisor is a power of ten
/// below 10^16, both representable exactly, and one IEEE division rounds correctly, as `strtod` does.
enum SimpleDecimal {
    private static let powersOfTen: [Double] = (0...15).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    static func parse(_ text: String) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var negative = false
        var index = 0
        for byte in text.utf8 {
            defer { index += 1 }
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                if seenPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint && digits > 0 {
                seenPoint = true
            } else if byte == UInt8(ascii: "-") && index == 0 {
                negative = true
            } else {
                return nil
            }
        }
        // "", "-", "1." and "-." are left to the general parser.
        guard digits > 0, !seenPoint || fractionDigits > 0 else { return nil }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }
}
