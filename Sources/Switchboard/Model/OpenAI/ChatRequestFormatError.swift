/// Why a chat-completions body cannot be read, in words for the client (an HTTP 400).
public struct ChatRequestFormatError: Error, Sendable, Hashable {
    public var message: String
    /// OpenAI-style error code.
    public var code: String

    public init(_ message: String, code: String = "invalid_request") {
        self.message = message
        self.code = code
    }
}
