import NIOCore
import Switchboard

/// Writes the rest of a streamed answer to the client's channel as the upstream pushes it: each chunk goes
/// from the upstream connection's event loop straight to the client's (the same loop, as a rule), with no
/// task in between. The request's task waits for the end (`ended()`), then records it.
///
/// A slow client's events wait in its channel's buffer, as they waited in the stream's buffer when a task
/// read it: the upstream is read as fast as it sends (see OpenAIStreamReader).
final class ChatChannelStreamRelay: ChatStreamRelayTarget {
    private struct State {
        var answer: StreamedAnswer
        var ended = false
    }

    private let handler: NIOLoopBound<ChatCompletionsChannelHandler>
    private let state: NIOLoopBoundBox<State>
    private let end: EventLoopPromise<Usage?>

    init(handler: NIOLoopBound<ChatCompletionsChannelHandler>, answer: StreamedAnswer) {
        self.handler = handler
        let loop = handler.eventLoop
        self.state = NIOLoopBoundBox.makeBoxSendingValue(State(answer: answer), eventLoop: loop)
        self.end = loop.makePromise()
    }

    /// The usage the upstream reported once the stream's end is written; the error of a broken stream
    /// once its error event is; `CancellationError` when the client went away.
    func ended() async throws -> Usage? {
        try await end.futureResult.get()
    }

    func relay(_ chunk: ChatChunk) {
        handler.eventLoop.run { [self] in
            guard !state.value.ended, let events = state.value.answer.add(chunk) else { return }
            _ = handler.value.writePart(.body(events), on: handler.eventLoop)
        }
    }

    func relayEnded(_ result: Result<Usage?, SwitchboardError>) {
        handler.eventLoop.run { [self] in
            guard !state.value.ended else { return }
            state.value.ended = true
            let events: ByteBuffer
            switch result {
            case .success: events = state.value.answer.finish()
            case .failure(let error): events = state.value.answer.failure(OpenAIError(error))
            }
            _ = handler.value.writePart(.body(events), on: handler.eventLoop)
            end.completeWith(result.mapError { $0 as any Error })
        }
    }

    /// The client went away: the request's task stops waiting.
    func cancel() {
        handler.eventLoop.run { [self] in
            guard !state.value.ended else { return }
            state.value.ended = true
            end.fail(CancellationError())
        }
    }
}
