/// Reads one YAML document into a `YAMLNode` tree: `YAMLEventReader` reads libyaml's events, and
/// `YAMLComposer` builds the tree from them, on two cores for a large file.
public enum YAMLParser {
    /// Bounds that keep hostile or broken input from exhausting the stack or memory.
    public struct Limits: Sendable, Hashable {
        /// Deepest nesting of sequences and mappings accepted.
        public var maxDepth: Int
        /// Most nodes that aliases may add to the tree in total (refuses "billion laughs"). Every node an
        /// alias brings can carry its own diagnostics, so the budget also bounds the size of a report:
        /// fuzzing found a 10 KB file whose aliases made 400,000 diagnostics under a budget of 1,000,000.
        public var maxAliasExpansion: Int

        public init(maxDepth: Int = 256, maxAliasExpansion: Int = 100_000) {
            self.maxDepth = maxDepth
            self.maxAliasExpansion = maxAliasExpansion
        }
    }

    public static func parse(_ text: String, limits: Limits = Limits()) throws(YAMLError) -> YAMLNode {
        try parse(Array(text.utf8), limits: limits)
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(YAMLError) -> YAMLNode {
        try parse(bytes, limits: limits, pipelined: ForkJoin.isWorthwhile && bytes.count >= pipelineThreshold)
    }

    /// Files from this size up are read on one core while the tree is built on another. Below it the
    /// hand-over between threads costs more than it saves (a 128 KiB file parses in a few milliseconds).
    static let pipelineThreshold = 128 * 1024
    /// Events per batch: large enough that handing a batch over is rare, small enough to stay in cache.
    static let batchSize = 2048

    /// `pipelined` chooses between reading on a second thread and reading here; both give the same tree
    /// and the same errors.
    static func parse(_ bytes: [UInt8], limits: Limits, pipelined: Bool) throws(YAMLError) -> YAMLNode {
        if bytes.isEmpty {
            throw YAMLError(.structure, "the file is empty: expected a YAML mapping", at: .start)
        }
        var composer = YAMLComposer(limits: limits, inputBytes: bytes.count)
        if pipelined {
            try composePipelined(bytes, into: &composer)
        } else {
            var failure: YAMLError?
            YAMLEventReader.read(bytes, batchSize: batchSize) { batch in
                do throws(YAMLError) {
                    try feed(batch, to: &composer)
                    return true
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
        }
        return try composer.result()
    }

    /// Reads on a worker thread while the tree is built here, a few batches apart. When building fails,
    /// the reader is told to stop, and the batches it already sent are drained so it can finish.
    private static func composePipelined(_ bytes: [UInt8], into composer: inout YAMLComposer) throws(YAMLError) {
        let queue = EventBatchQueue(capacity: 4)
        let (outcome, _) = ForkJoin.run({ () -> Result<Void, YAMLError> in
            var failure: YAMLError?
            while true {
                let batch = queue.take()
                if failure == nil {
                    do throws(YAMLError) {
                        try feed(batch, to: &composer)
                    } catch {
                        failure = error
                        queue.cancel()
                    }
                }
                if batch.isLast { break }
            }
            return failure.map { .failure($0) } ?? .success(())
        }, alongside: {
            YAMLEventReader.read(bytes, batchSize: batchSize) { batch in
                // Once the builder has given up, one last (empty) batch releases it.
                if queue.isCancelled {
                    var last = EventBatch(capacity: 0)
                    last.isLast = true
                    queue.put(last)
                    return false
                }
                queue.put(batch)
                return true
            }
        })
        try outcome.get()
    }

    // MARK: - Events

    /// Hands a batch of events to the composer, in order; the batch's error, if any, comes after them.
    private static func feed(_ batch: EventBatch, to composer: inout YAMLComposer) throws(YAMLError) {
        // The scalars' texts join the tree's in one copy; each scalar then names its place in it.
        let base = try batch.withText { text throws(YAMLError) in
            try composer.appendText(text, at: batch.events.first?.span.start ?? .start)
        }
        for event in batch.events {
            switch event.kind {
            case .documentStart:
                try composer.documentStart(at: event.span.start)
            case .scalar:
                try composer.scalar(
                    textAt: base + Int(event.textStart), count: Int(event.textCount), isPlain: event.isPlain,
                    tag: batch.name(event.tag), anchor: batch.name(event.anchor), span: event.span)
            case .sequenceStart:
                try composer.collectionStart(
                    .sequence, anchor: batch.name(event.anchor), tag: batch.name(event.tag), at: event.span.start)
            case .mappingStart:
                try composer.collectionStart(
                    .mapping, anchor: batch.name(event.anchor), tag: batch.name(event.tag), at: event.span.start)
            case .collectionEnd:
                try composer.collectionEnd(at: event.span.end)
            case .alias:
                try composer.alias(batch.name(event.anchor) ?? "", at: event.span.start)
            }
        }
        if let error = batch.error { throw error }
    }
}
