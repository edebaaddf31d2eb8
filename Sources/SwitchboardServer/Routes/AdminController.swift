import Foundation
import Hummingbird
import SwitchboardConfig

/// `POST /admin/reload`: re-reads providers.yaml (behind client auth when tokens are set).
struct AdminController<Context: RequestContext> {
    let gateway: Gateway

    struct Outcome: Encodable {
        var status: String
        var message: String
        var diagnostics: [Entry]

        struct Entry: Encodable {
            var line: Int
            var column: Int
            var severity: String
            var rule: String
            var message: String
        }
    }

    func addRoutes(to router: Router<Context>) {
        router.post("/admin/reload") { _, _ in
            let outcome = gateway.reload()
            let body = Outcome(
                status: outcome.applied ? "reloaded" : "refused", message: outcome.message,
                diagnostics: outcome.diagnostics.map {
                    .init(line: $0.location.line, column: $0.location.column, severity: $0.severity.rawValue,
                          rule: $0.rule.rawValue, message: $0.message)
                })
            let json = try JSONEncoder.gateway.encode(body)
            return Response(
                status: outcome.applied ? .ok : .unprocessableContent, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        }
    }
}
