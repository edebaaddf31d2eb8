import SwitchboardConfig
import Testing

/// The underline under a diagnostic covers the whole offending token, as compilers draw it.
struct UnderlineTests {
    static func width(_ line: String, at token: String) -> Int {
        let scalars = Array(line.unicodeScalars)
        let column = line.unicodeScalars.count - (line.range(of: token).map { line[$0.lowerBound...].unicodeScalars.count } ?? 0) + 1
        return DiagnosticFormatter.tokenWidth(scalars, column: column)
    }

    @Test func plainScalarsEndAtFlowPunctuationAndComments() {
        #expect(Self.width("    - { provider: ofline, priority: 2 }", at: "ofline") == 6)
        #expect(Self.width("    rotation: round-robbin   # comment", at: "round-robbin") == 12)
        #expect(Self.width("  openai: { adapter: x }", at: "openai") == 6)
        #expect(Self.width("  base_url: https://api.openai.com/v1", at: "https") == 25)
        #expect(Self.width("  chat: [a, b]", at: "a, b") == 1)
    }

    @Test func quotedScalarsEndAtTheirClosingQuote() {
        #expect(Self.width(#"  base_url: "https://x.test/v1", key_pool: p"#, at: #""https"#) == 19)
        #expect(Self.width(#"  text: 'it''s', next: 1"#, at: "'it") == 7)
        #expect(Self.width(#"  text: "a \" b""#, at: #""a"#) == 8)
        // A quote that closes on a later line: the caret alone.
        #expect(Self.width(#"  text: "unclosed"#, at: #""unclosed"#) == 1)
    }

    @Test func indicatorsAndColumnsPastTheEndGetOneCaret() {
        #expect(Self.width("  chat: { provider: x }", at: "{ provider") == 1)
        #expect(Self.width("  - { provider: x }", at: "- {") == 1)
        #expect(DiagnosticFormatter.tokenWidth(Array("abc".unicodeScalars), column: 9) == 1)
        #expect(DiagnosticFormatter.tokenWidth([], column: 1) == 1)
    }
}
