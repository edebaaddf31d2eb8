/// Opens an adapter's stream and waits for its first chunk, so that the router can still fail over:
/// until a chunk exists nothing has reached the caller. The chunk must arrive before the call's
/// deadline (the first-token timeout); the rest of the stream flows on a pipe afterwards.
enum StreamOpener {
    struct Opened: Sendable {
        var first: ChatChunk
        var rest: AsyncThrowingStream<ChatChunk, any Error>
    }

    static func open(_ adapter: any ProviderAdapter, _ call: AdapterCall) async throws(UpstreamFailure) -> Opened {
        let upstream = try await adapter.stream(call)
        let (firstSignal, firstContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let (rest, restContinuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let pump = Task {
            var isFirst = true
            do {
                for try await chunk in upstream {
                    if isFirst {
                        isFirst = false
                        firstContinuation.yield(chunk)
                        firstContinuation.finish()
                    } else {
                        restContinuation.yield(chunk)
                    }
                }
                if isFirst {
                    firstContinuation.finish(throwing: UpstreamFailure.malformed("the stream ended before any content"))
                }
                restContinuation.finish()
            } catch {
                let failure = UpstreamHTTP.failure(for: error)
                if isFirst { firstContinuation.finish(throwing: failure) }
                restContinuation.finish(throwing: failure)
            }
        }
        let timer = Task {
            try await Task.sleep(until: call.deadline, clock: .continuous)
            firstContinuation.finish(throwing: UpstreamFailure.transport(.timeout, "no first token before the attempt deadline"))
            pump.cancel()
        }
        restContinuation.onTermination = { termination in
            if case .cancelled = termination { pump.cancel() }
        }
        do {
            for try await first in firstSignal {
                timer.cancel()
                return Opened(first: first, rest: rest)
            }
        } catch {
            timer.cancel()
            pump.cancel()
            throw UpstreamHTTP.failure(for: error)
        }
        timer.cancel()
        pump.cancel()
        throw .malformed("the stream ended before any content")
    }
}
