import Synchronization

/// Takes a started stream's rest as it arrives (see `ChatStream.AsyncIterator.relay(to:)`).
package protocol ChatStreamRelayTarget: AnyObject, Sendable {
    /// A chunk, from where the upstream is read (a connection's event loop). May come after `relayEnded`
    /// when a timeout ended the stream on another thread meanwhile: then it is to be ignored.
    func relay(_ chunk: ChatChunk)
    /// The end, once: the usage the upstream reported, or why the stream broke (the settlement knows).
    func relayEnded(_ end: Result<Usage?, SwitchboardError>)
}

/// The reader's side of a stream whose rest is pushed to a target: what `ChatStream.AsyncIterator` does
/// for a task that reads (the usage, the answer assembled for the cache, the settlement, the error of a
/// broken stream), done as each chunk arrives.
package final class ChatStreamRelay: ChunkReceiver {
    private struct State {
        var progress: StreamProgress
        var ended = false
    }

    private let state: Mutex<State>
    private let target: any ChatStreamRelayTarget
    private let provider: String
    private let route: String
    private let trace: AttemptTrace
    private let settlement: StreamSettlement?
    private let stop: @Sendable () -> Void

    init(
        target: any ChatStreamRelayTarget, progress: StreamProgress, provider: String, route: String,
        trace: AttemptTrace, settlement: StreamSettlement?, stop: @escaping @Sendable () -> Void
    ) {
        self.state = Mutex(State(progress: progress))
        self.target = target
        self.provider = provider
        self.route = route
        self.trace = trace
        self.settlement = settlement
        self.stop = stop
    }

    package func receive(_ chunk: ChatChunk) {
        let live = state.withLock { state -> Bool in
            guard !state.ended else { return false }
            state.progress.note(chunk)
            return true
        }
        if live { target.relay(chunk) }
    }

    package func finish(throwing failure: UpstreamFailure?) {
        let progress = state.withLock { state -> StreamProgress? in
            guard !state.ended else { return nil }
            state.ended = true
            return state.progress
        }
        guard let progress else { return }
        if let failure {
            target.relayEnded(.failure(ChatStream.interrupted(
                by: failure, provider: provider, route: route, trace: trace, settlement: settlement)))
        } else {
            settlement?.settle(progress.finished)
            target.relayEnded(.success(progress.usage))
        }
    }

    /// The reader went away: the upstream stops, the request counts as abandoned, and nothing more
    /// reaches the target.
    package func cancel() {
        let first = state.withLock { state -> Bool in
            defer { state.ended = true }
            return !state.ended
        }
        guard first else { return }
        settlement?.settle(.abandoned)
        stop()
    }
}
