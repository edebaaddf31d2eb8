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

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var negative = false
        var index = 0
        for byte in bytes {
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

/// Reads a decimal integer from a scalar's bytes exactly as `Int(_: String)` reads it (an optional `+` or
/// `-`, then ASCII digits; nil on anything else or on overflow), without making a string first.
enum DecimalInteger {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            // Accumulates negatively so that Int.min, whose magnitude has no positive Int, still parses.
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int(digit))
            guard !overflow1 && !overflow2 else { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        let (positive, overflow) = (0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }
}
