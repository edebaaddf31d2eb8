/// Finds values shaped like API keys written into the YAML itself. Keys belong in the environment; a key
/// in a committed file is a leak. Messages never repeat the value.
public enum SecretScanner {
    /// The kinds of key recognised, by the prefix real keys carry.
    enum Kind: String {
        case huggingFace = "a Hugging Face token (hf_…)"
        case openAI = "an OpenAI-style key (sk-…)"
        case bearer = "a bearer credential"
    }

    /// Real keys are long: `hf_` plus 34 characters, `sk-` plus 48 or more. A bare prefix (`prefix: hf_`)
    /// or a short example is not flagged.
    static let minimumBodyLength = 20

    public static func looksLikeSecret(_ text: String) -> Bool { kind(of: text) != nil }

    static func kind(of text: String) -> Kind? {
        let bytes = Array(text.utf8)
        guard bytes.count >= minimumBodyLength + 3 else { return nil }
        if hasToken(bytes, prefix: Array("hf_".utf8), allowDash: false) { return .huggingFace }
        if hasToken(bytes, prefix: Array("sk-".utf8), allowDash: true) { return .openAI }
        if hasToken(bytes, prefix: Array("Bearer ".utf8), allowDash: true) { return .bearer }
        return nil
    }

    /// Whether a value written where a variable name belongs is more likely a key without a known
    /// prefix: at least 20 characters, with lowercase letters and digits, and no underscore (names such
    /// as `VITE_HF_API_KEY_2` are upper case with underscores).
    public static func looksLikePastedKey(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= minimumBodyLength, !bytes.contains(UInt8(ascii: "_")) else { return false }
        return bytes.contains { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
            && bytes.contains { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `scalars` with the token starting at `column` (1-based) replaced by `********`: the text of a
    /// `literal-secret` finding, whatever its shape, is never echoed.
    ///
    /// The whole scalar is masked, spaces included (`"host=db password=x"`): a quoted one up to its closing
    /// quote, a plain one up to a comment, or in a flow collection up to the `,`, `]` or `}` that ends it.
    static func mask(_ scalars: [Unicode.Scalar], at column: Int) -> [Unicode.Scalar] {
        var start = column - 1
        guard start >= 0, start < scalars.count else { return scalars }
        var end: Int
        let first = scalars[start]
        if first == "\"" || first == "'" {
            start += 1
            end = SourceText.closingQuote(first, in: scalars, from: start) ?? scalars.count
        } else {
            end = SourceText.commentStart(scalars).flatMap { $0 > start ? $0 : nil } ?? scalars.count
            if SourceText.opensFlowCollection(scalars, before: start),
                let close = scalars[start..<end].firstIndex(where: { $0 == "," || $0 == "]" || $0 == "}" })
            {
                end = close
            }
            while end > start && (scalars[end - 1] == " " || scalars[end - 1] == "\t") { end -= 1 }
        }
        guard end > start else { return scalars }
        // Already redacted by `redact` (its known prefix stays readable).
        if String(String.UnicodeScalarView(scalars[start..<end])).contains("********") { return scalars }
        return Array(scalars[..<start]) + Array("********".unicodeScalars) + Array(scalars[end...])
    }

    /// Every scalar (keys included) that looks like a key, as `literal-secret` errors.
    static func scan(_ root: YAMLNode) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        root.forEachScalarInDocument { text, location in
            guard let kind = kind(of: text) else { return }
            diagnostics.append(
                .error(.literalSecret,
                       "this value looks like \(kind.rawValue): API keys must not be written in the file; put the key "
                           + "in an environment variable and list the variable's name in a key pool's 'env'",
                       at: location))
        }
        return diagnostics
    }

    /// `text` with the body of every key-shaped token replaced by `********`, for echoing source lines.
    public static func redact(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard bytes.count >= minimumBodyLength else { return text }
        var changed = false
        for (prefix, allowDash) in patterns {
            var searchFrom = 0
            while let body = tokenBody(bytes, prefix: prefix, allowDash: allowDash, from: searchFrom) {
                bytes.replaceSubrange(body, with: Array("********".utf8))
                searchFrom = body.lowerBound + 8
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    private static let patterns: [(prefix: [UInt8], allowDash: Bool)] = [
        (Array("hf_".utf8), false), (Array("sk-".utf8), true), (Array("Bearer ".utf8), true),
    ]

    private static func hasToken(_ bytes: [UInt8], prefix: [UInt8], allowDash: Bool) -> Bool {
        tokenBody(bytes, prefix: prefix, allowDash: allowDash, from: 0) != nil
    }

    /// The range of the first token body after `from`: `prefix` at a word boundary followed by at least
    /// `minimumBodyLength` key characters.
    private static func tokenBody(_ bytes: [UInt8], prefix: [UInt8], allowDash: Bool, from: Int) -> Range<Int>? {
        var start = from
        while start + prefix.count + minimumBodyLength <= bytes.count {
            if bytes[start..<(start + prefix.count)].elementsEqual(prefix),
                start == 0 || !isKeyByte(bytes[start - 1], allowDash: allowDash)
            {
                var end = start + prefix.count
                while end < bytes.count, isKeyByte(bytes[end], allowDash: allowDash) { end += 1 }
                if end - start - prefix.count >= minimumBodyLength { return (start + prefix.count)..<end }
            }
            start += 1
        }
        return nil
    }

    private static func isKeyByte(_ byte: UInt8, allowDash: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: "-"):
            return allowDash
        default:
            return false
        }
    }
}
