import Foundation
import Hummingbird

/// `GET /v1/models`: every route, then every model id a route contains, in OpenAI's list shape.
struct ModelsController<Context: RequestContext> {
    let gateway: Gateway

    struct Model: Encodable {
        var id: String
        var object = "model"
        var created = 0
        var ownedBy: String

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    struct List: Encodable {
        var object = "list"
        var data: [Model]
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/v1/models", use: list)
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let configuration = gateway.engine.configuration
        var models = configuration.routes.map { Model(id: $0.name, ownedBy: "switchboard") }
        var seen = Set(models.map(\.id))
        for route in configuration.routes {
            for target in route.targets {
                guard let model = target.model, seen.insert(model).inserted else { continue }
                models.append(Model(id: model, ownedBy: target.provider))
            }
        }
        let json = try JSONEncoder.gateway.encode(List(data: models))
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}
