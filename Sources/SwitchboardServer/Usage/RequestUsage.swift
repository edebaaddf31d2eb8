import Foundation
import Switchboard
import SwitchboardConfig
import SwitchboardUsage

/// One chat request's entry in the usage log: started when the request arrives, finished once its
/// answer (or error) is known, then handed to the gateway's usage sinks (`Gateway.recordUsage`).
struct RequestUsage: Sendable {
    let gateway: Gateway
    let requestID: String
    let route: String
    let streaming: Bool
    private let arrived = Date()
    private let started = ContinuousClock.now

    init(gateway: Gateway, requestID: String, route: String, streaming: Bool) {
        self.gateway = gateway
        self.requestID = requestID
        self.route = route
        self.streaming = streaming
    }

    /// Records an answered request; `cacheHit` when the route's response cache answered it, `price` the
    /// answering target's.
    func answered(
        status: Int = 200, provider: String, model: String, trace: AttemptTrace, usage: Usage?, price: Price?,
        cacheHit: Bool = false
    ) {
        finish(status: status, outcome: UsageRequestRecord.success, trace: trace, answered: true, usage: usage,
               provider: provider, model: model, cacheHit: cacheHit,
               cost: ChatCompletion.cost(usage: usage, price: price, cacheHit: cacheHit))
    }

    /// Records a request that ended with an error.
    func failed(_ error: SwitchboardError, status: Int) {
        finish(status: status, outcome: error.kind.rawValue, trace: error.trace, answered: false, usage: nil,
               provider: nil, model: nil)
    }

    /// Records a streamed answer the client stopped reading (status 499, as proxies log it).
    func clientWentAway(provider: String, model: String, trace: AttemptTrace) {
        finish(status: 499, outcome: "client_closed", trace: trace, answered: true, usage: nil, provider: provider,
               model: model)
    }

    private func finish(
        status: Int, outcome: String, trace: AttemptTrace, answered: Bool, usage: Usage?, provider: String?,
        model: String?, cacheHit: Bool = false, cost: Double? = nil
    ) {
        let calls = trace.entries.filter(\.outcome.isCall)
        let last = trace.entries.last
        let request = UsageRequestRecord(
            requestID: requestID, time: arrived, route: route, provider: provider ?? last?.provider,
            model: model ?? last?.model, keyLabel: calls.last?.key, outcome: outcome, status: status,
            latency: started.duration(to: .now), attempts: calls.count,
            failovers: trace.failovers(answered: answered),
            // Tokens are what an upstream spent on this request: a cache hit replays an answer and spends none.
            tokensIn: cacheHit ? 0 : usage?.promptTokens, tokensOut: cacheHit ? 0 : usage?.completionTokens,
            cost: cost, cacheHit: cacheHit, streaming: streaming)
        let attempts = trace.entries.map { entry in
            let outcome: String
            let upstreamStatus: Int?
            switch entry.outcome {
            case .success: (outcome, upstreamStatus) = (UsageAttemptRecord.success, nil)
            case .failure(let errorClass, let status): (outcome, upstreamStatus) = (errorClass, status)
            case .skipped: (outcome, upstreamStatus) = (UsageAttemptRecord.skipped, nil)
            case .limited(let reason): (outcome, upstreamStatus) = (reason, nil)
            case .unsupported: (outcome, upstreamStatus) = (UsageAttemptRecord.unsupported, nil)
            }
            return UsageAttemptRecord(
                requestID: requestID, time: arrived, route: route, provider: entry.provider, model: entry.model ?? "",
                keyLabel: entry.key, outcome: outcome, upstreamStatus: upstreamStatus, latency: entry.latency)
        }
        gateway.recordUsage(request, attempts: attempts)
    }

    /// The client's `x-request-id` when it is a sane token, else a new one.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        {
            return header
        }
        return Identifiers.requestID()
    }
}
