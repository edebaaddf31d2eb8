import Foundation
import Hummingbird
import Switchboard

/// An error in OpenAI's shape, `{"error": {"message", "type", "code"}}`, with Switchboard's attempt trace
/// (key labels only, never upstream bodies).
struct OpenAIError: HTTPResponseError, Sendable {
    struct Body: Encodable {
        var error: Detail
    }

    struct Detail: Encodable {
        var message: String
        var type: String
        var code: String?
        var trace: [String]?
    }

    var status: HTTPResponse.Status
    var message: String
    var type: String
    var code: String?
    var trace: [String]?
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String, code: String = "invalid_request") -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", code: code)
    }

    static func unauthorized(_ message: String) -> OpenAIError {
        OpenAIError(status: .unauthorized, message: message, type: "authentication_error", code: "invalid_api_key")
    }

    /// The status and words for an engine failure.
    init(_ error: SwitchboardError) {
        let trace = error.trace.entries.isEmpty ? nil : error.trace.entries.map(\.description)
        switch error.kind {
        case .unknownRoute:
            self.init(status: .notFound, message: error.message, type: "invalid_request_error", code: "model_not_found", trace: trace)
        case .rejected:
            self.init(status: .badRequest, message: error.message, type: "invalid_request_error", code: "upstream_rejected", trace: trace)
        case .rateLimited:
            self.init(status: .tooManyRequests, message: error.message, type: "rate_limit_error", code: "rate_limited",
                      trace: trace, headers: Self.retryAfter(error.retryAfter))
        case .overloaded:
            // The gateway's own limits, not an upstream's: a code of its own, and always a Retry-After.
            self.init(status: .tooManyRequests, message: error.message, type: "rate_limit_error", code: "gateway_overloaded",
                      trace: trace, headers: Self.retryAfter(error.retryAfter ?? .seconds(1)))
        case .deadlineExceeded:
            self.init(status: .gatewayTimeout, message: error.message, type: "timeout_error", code: "deadline_exceeded", trace: trace)
        case .unavailable:
            self.init(status: .serviceUnavailable, message: error.message, type: "api_error", code: "upstreams_unavailable", trace: trace)
        case .streamInterrupted:
            self.init(status: .badGateway, message: error.message, type: "api_error", code: "stream_interrupted", trace: trace)
        case .unsupportedCapability:
            self.init(status: .badRequest, message: error.message, type: "invalid_request_error",
                      code: "unsupported_capability", trace: trace)
        case .cancelled:
            // Nobody reads it: the caller is gone. 499 is what proxies log for a client that closed first.
            self.init(status: .init(code: 499, reasonPhrase: "Client Closed Request"), message: error.message,
                      type: "api_error", code: "cancelled", trace: trace)
        case .configuration:
            self.init(status: .internalServerError, message: error.message, type: "api_error", code: "configuration", trace: trace)
        }
    }

    /// `Retry-After` in whole seconds, rounded up, at least 1.
    private static func retryAfter(_ duration: Duration?) -> HTTPFields {
        guard let duration else { return [:] }
        let seconds = duration.components.seconds + (duration.components.attoseconds > 0 ? 1 : 0)
        return [.retryAfter: "\(max(1, seconds))"]
    }

    init(status: HTTPResponse.Status, message: String, type: String, code: String?, trace: [String]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.trace = trace
        self.headers = headers
    }

    var body: Body { Body(error: Detail(message: message, type: type, code: code, trace: trace)) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The error as a JSON response with its headers.
    func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// The error's JSON body.
    var json: [UInt8] {
        (try? Array(JSONEncoder.gateway.encode(body))) ?? Array(#"{"error":{"message":"error","type":"api_error"}}"#.utf8)
    }
}

extension JSONEncoder {
    /// Compact, stable JSON for responses.
    static var gateway: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
