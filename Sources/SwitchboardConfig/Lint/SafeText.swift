/// How values from a configuration file are quoted in messages: in part, and never a key.
enum SafeText {
    /// At most 40 characters of `text`, or `<redacted>` when it looks like an API key.
    static func excerpt(_ text: String) -> String {
        if SecretScanner.looksLikeSecret(text) { return "<redacted>" }
        return text.count <= 40 ? text : String(text.prefix(37)) + "…"
    }
}
