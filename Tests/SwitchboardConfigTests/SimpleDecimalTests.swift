import Testing

@testable import SwitchboardConfig

/// `SimpleDecimal` must give exactly what `Double(_:)` gives wherever it answers, and leave every other
/// spelling to it.
struct SimpleDecimalTests {
    @Test func agreesWithDoubleOnShortDecimals() {
        let samples = [
            "0", "-0", "0.7", "1.5", "2", "-0.5", "007.50", "0.1", "0.2", "0.3", "123456789012345",
            "0.00000000000001", "9.99999999999999", "1.23456789012345", "-999999999999999",
        ]
        for text in samples {
            let fast = SimpleDecimal.parse(text)
            #expect(fast != nil, "\(text)")
            #expect(fast?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }

    @Test func leavesOtherSpellingsToDouble() {
        let others = [
            "", "-", ".5", "5.", "-.5", "+1", "1e3", "1E-2", "inf", "nan", "0x10", "1234567890123456",
            "0.1234567890123456", "1.2.3", "1-2", " 1", "1 ", "--1", "١",
        ]
        for text in others {
            #expect(SimpleDecimal.parse(text) == nil, "\(text)")
        }
    }

    /// Pseudo-random digit strings of every length it accepts, with the point anywhere inside.
    @Test func agreesWithDoubleOnManyDecimals() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for _ in 0..<20_000 {
            let count = Int(next() % 15) + 1
            var digits = (0..<count).map { _ in Character(String(next() % 10)) }
            if count > 1, next() % 4 != 0 { digits.insert(".", at: Int(next() % UInt64(count - 1)) + 1) }
            let text = (next() % 5 == 0 ? "-" : "") + String(digits)
            #expect(SimpleDecimal.parse(text)?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }
}

extension SimpleDecimal {
    /// The decoder hands scalars' bytes; the tests write strings.
    fileprivate static func parse(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { parse($0) }
    }
}
