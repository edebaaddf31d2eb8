import Foundation
import Hummingbird

/// `GET /status` (the operators' page) and `GET /status.json` (the same data for scripts), behind the
/// operator token once tokens are set.
struct StatusController<Context: RequestContext> {
    let gateway: Gateway

    func addRoutes(to router: Router<Context>) {
        router.get("/status") { _, _ in
            let html = StatusPage.render(StatusSnapshot.make(gateway: gateway))
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("/status.json") { _, _ in
            let json = try StatusSnapshot.encoder.encode(StatusSnapshot.make(gateway: gateway))
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        }
    }
}

extension StatusSnapshot {
    /// snake_case keys, ISO 8601 dates, sorted keys (two snapshots diff line by line through `jq`).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
