import HTTPTypes
import Foundation
import Hummingbird
import NIOCore
import Switchboard
import SwitchboardUsage

/// `POST /v1/chat/completions`: OpenAI's request and response shapes, streaming with SSE.
struct ChatCompletionsController<Context: RequestContext>: Sendable {
    let gateway: Gateway

    func addRoutes(to router: Router<Context>) {
        router.post("/v1/chat/completions", use: complete)
    }

    @Sendable func complete(request: Request, context: Context) async throws -> Response {
        let buffer: ByteBuffer?
        do {
            buffer = try await request.body.collect(upTo: gateway.settings.maxRequestBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            buffer = nil
        }
        return await response(headers: request.headers, body: buffer)
    }

    /// The whole answer to one chat request, refusals and failures included (as OpenAI-shaped errors),
    /// each with the request's id. `body` is nil when the client sent more than `maxRequestBytes`.
    func response(headers: HTTPFields, body: ByteBuffer?) async -> Response {
        let requestID = RequestUsage.requestID(from: headers[HTTPField.Name.requestID])
        do {
            var response = try await answer(body, requestID: requestID)
            response.headers[HTTPField.Name.requestID] = requestID
            return response
        } catch var error as OpenAIError {
            error.headers[HTTPField.Name.requestID] = requestID
            return error.response()
        } catch {
            var response = OpenAIError(
                status: .internalServerError, message: "the gateway failed to answer", type: "api_error", code: "internal_error"
            ).response()
            response.headers[HTTPField.Name.requestID] = requestID
            return response
        }
    }

    private func answer(_ buffer: ByteBuffer?, requestID: String) async throws -> Response {
        guard let buffer else {
            throw refused(OpenAIError(
                status: .contentTooLarge, message: "the request body is larger than \(gateway.settings.maxRequestBytes) bytes",
                type: "invalid_request_error", code: "request_too_large"), requestID: requestID)
        }
        let body: ChatCompletionBody
        do {
            body = try ChatCompletionBody.parse(Array(buffer: buffer))
        } catch {
            throw refused(error, requestID: requestID)
        }
        // Requests in flight keep the engine they started with, whatever a reload does meanwhile.
        let engine = gateway.engine
        guard let selection = engine.selection(forModel: body.model) else {
            let models = engine.configuration.routes.map(\.name)
                + engine.configuration.routes.flatMap { $0.targets.compactMap(\.model) }
            throw refused(OpenAIError(
                status: .notFound,
                message: "no route or model named '\(body.model)'; available: " + Self.unique(models).joined(separator: ", "),
                type: "invalid_request_error", code: "model_not_found"), requestID: requestID)
        }
        let usage = RequestUsage(gateway: gateway, requestID: requestID, route: selection.route, streaming: body.stream)
        do {
            if body.stream {
                return try await stream(body, selection: selection, engine: engine, usage: usage)
            }
            let answer = try await engine.complete(body.request, selection: selection)
            let json: [UInt8]
            switch (answer.upstreamBody, answer.cacheHit) {
            case (let relayed?, false):
                // An OpenAI-compatible upstream's answer goes out as it came: every field, every choice.
                json = relayed
            case (let relayed?, true):
                json = ChatCompletionResponse.replay(relayed, id: ChatCompletionResponse.newID())
            case (nil, _):
                json = ChatCompletionResponse.completion(
                    id: ChatCompletionResponse.newID(), created: ChatCompletionResponse.now, model: answer.model,
                    choices: answer.choices, usage: answer.usage)
            }
            var headers = Self.answerHeaders(route: answer.route, provider: answer.provider, model: answer.model,
                                             attempts: answer.trace.attempts)
            Self.markCache(&headers, engine: engine, route: answer.route, hit: answer.cacheHit)
            headers[.contentType] = "application/json"
            usage.answered(provider: answer.provider, model: answer.model, trace: answer.trace, usage: answer.usage,
                           price: answer.price, cacheHit: answer.cacheHit)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        } catch let error as SwitchboardError {
            var openAIError = OpenAIError(error)
            // An error answer says which route it came from and how many upstream calls it cost, like a
            // success does; no provider or model answered, so those headers are left out.
            openAIError.headers[.switchboardRoute] = error.route ?? selection.route
            openAIError.headers[.switchboardAttempts] = "\(error.trace.attempts)"
            usage.failed(error, status: Int(openAIError.status.code))
            throw openAIError
        }
    }

    /// A request refused before it reached a route, recorded as such (with no route: a name the client made
    /// up never becomes a row of the operators' report), and returned for throwing.
    private func refused(_ error: OpenAIError, requestID: String) -> OpenAIError {
        let record = UsageRequestRecord(
            requestID: requestID, time: Date(), route: "", outcome: error.code ?? "invalid_request",
            status: Int(error.status.code), latency: .zero, attempts: 0)
        gateway.recordUsage(record, attempts: [])
        return error
    }

    /// Fails over until the first chunk exists; after that the response has started, and an upstream
    /// failure ends it with an explicit error event (never a clean `[DONE]`).
    private func stream(
        _ body: ChatCompletionBody, selection: RouteSelection, engine: Switchboard, usage requestUsage: RequestUsage
    ) async throws -> Response {
        let stream = try await engine.stream(body.request, selection: selection)
        let id = ChatCompletionResponse.newID()
        let created = ChatCompletionResponse.now
        let model = stream.model
        let includeUsage = body.includeUsage
        var headers = Self.answerHeaders(route: stream.route, provider: stream.provider, model: model,
                                         attempts: stream.trace.attempts)
        Self.markCache(&headers, engine: engine, route: stream.route, hit: stream.cacheHit)
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let logger = gateway.logger
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var answer = StreamedAnswer(id: id, created: created, model: model, includeUsage: includeUsage)
            var iterator = stream.makeAsyncIterator()
            // A channel's writer takes the rest of the stream pushed, once its first chunks are out.
            let channel = writer as? ChatChannelBodyWriter
            var pushed = false
            do {
                var usage: Usage?
                while let chunk = try await iterator.next() {
                    if let events = answer.add(chunk) { try await writer.write(events) }
                    if let channel, let rest = channel.handOver(&iterator, answer: answer) {
                        // From here the error event of a broken stream is written where the chunks are.
                        pushed = true
                        usage = try await rest.ended()
                        break
                    }
                }
                if !pushed {
                    try await writer.write(answer.finish())
                    usage = answer.usage
                }
                requestUsage.answered(provider: stream.provider, model: model, trace: stream.trace, usage: usage,
                                      price: stream.price, cacheHit: stream.cacheHit)
            } catch let error as SwitchboardError where error.kind != .cancelled {
                logger.warning("stream interrupted", metadata: ["provider": "\(stream.provider)", "route": "\(stream.route)"])
                // The client got a 200 and then an error event: recorded with the status the error maps to.
                let openAIError = OpenAIError(error)
                requestUsage.failed(error, status: Int(openAIError.status.code))
                if !pushed { try await writer.write(answer.failure(openAIError)) }
            } catch {
                // The client went away (its writes fail, or its task was cancelled).
                stream.abandon()
                requestUsage.clientWentAway(provider: stream.provider, model: model, trace: stream.trace)
                logger.debug("stream left by its client", metadata: ["provider": "\(stream.provider)", "route": "\(stream.route)"])
                throw error
            }
            try await writer.finish(nil)
        })
    }

    static func answerHeaders(route: String, provider: String, model: String, attempts: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(8)
        headers[.switchboardRoute] = route
        headers[.switchboardProvider] = provider
        headers[.switchboardModel] = model
        headers[.switchboardAttempts] = "\(attempts)"
        return headers
    }

    /// `x-switchboard-cache: hit|miss` on answers of routes that have a response cache (`miss` also for
    /// requests the cache is not for, such as a temperature above 0).
    static func markCache(_ headers: inout HTTPFields, engine: Switchboard, route: String, hit: Bool) {
        guard hit || engine.hasResponseCache(route: route) else { return }
        headers[.switchboardCache] = hit ? "hit" : "miss"
    }

    static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}

extension HTTPField.Name {
    /// Every chat answer, errors included, carries the request's id; the usage store records it under
    /// the same id.
    static let requestID = HTTPField.Name("x-request-id")!
    /// Whether a chat answer came from the route's response cache (`hit`) or not (`miss`).
    static let switchboardCache = HTTPField.Name("x-switchboard-cache")!
    /// Which route, provider and model answered, after how many upstream attempts.
    static let switchboardRoute = HTTPField.Name("x-switchboard-route")!
    static let switchboardProvider = HTTPField.Name("x-switchboard-provider")!
    static let switchboardModel = HTTPField.Name("x-switchboard-model")!
    static let switchboardAttempts = HTTPField.Name("x-switchboard-attempts")!
}
