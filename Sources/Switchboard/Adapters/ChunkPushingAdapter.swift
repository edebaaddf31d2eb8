/// An adapter that hands a streamed answer's chunks to a sink as they arrive, rather than as a stream
/// the engine must pump through a task of its own: one task hop less per chunk.
package protocol ChunkPushingAdapter: ProviderAdapter {
    /// Sends the call. Once the answer has started, returns a way to stop it (the sink then gets a
    /// failure or nothing more); before that it fails as `stream(_:)` does. Every later chunk, the end and
    /// a failure after the start go to `sink`.
    func push(_ call: AdapterCall, into sink: ChunkSink) async throws(UpstreamFailure) -> @Sendable () -> Void
}
