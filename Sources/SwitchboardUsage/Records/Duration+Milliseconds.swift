extension Duration {
    /// Latencies are stored and reported in (fractional) milliseconds.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15
    }
}
