import Testing

@testable import SwitchboardConfig

/// `DecimalInteger` reads scalars' bytes in place of `Int(_: String)` and must agree with it on every input.
struct DecimalIntegerTests {
    private func parse(_ text: String) -> Int? {
        Array(text.utf8).withUnsafeBufferPointer(DecimalInteger.parse)
    }

    @Test func agreesWithIntOnEdgeCases() {
        let samples = [
            "", "+", "-", "0", "-0", "+0", "007", "42", "+42", "-42", "1_000", " 1", "1 ", "1.0", "0x10", "1e3",
            "--1", "+-1", "١", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "99999999999999999999", "00000000000000000000000000042",
        ]
        for text in samples {
            #expect(parse(text) == Int(text), "\(text)")
        }
    }

    @Test func agreesWithIntOnManyNumbers() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabet = Array("0123456789+-x. ")
        for _ in 0..<20_000 {
            let count = Int(next() % 22)
            // Mostly digits, sometimes a sign or a stray character anywhere.
            let text = String((0..<count).map { _ in
                next() % 8 == 0 ? alphabet[Int(next() % 15)] : alphabet[Int(next() % 10)]
            })
            #expect(parse(text) == Int(text), "\(text)")
        }
    }
}
