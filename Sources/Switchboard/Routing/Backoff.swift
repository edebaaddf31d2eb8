import SwitchboardConfig

extension RoutePolicy.Backoff {
    /// The wait before retry number `retry` (1-based): `initial × multiplier^(retry−1)`, at most `max`,
    /// with jitter drawn from the upper half (`jitterFactor`, random unless a test fixes it) so that
    /// clients do not retry in lockstep.
    func delay(beforeRetry retry: Int, jitterFactor: Double = Double.random(in: 0.5...1)) -> Duration {
        let base = Double(initial.components.seconds) + Double(initial.components.attoseconds) / 1e18
        let cap = Double(max.components.seconds) + Double(max.components.attoseconds) / 1e18
        var seconds = Swift.min(cap, base * pow(multiplier, Double(Swift.max(0, retry - 1))))
        if jitter { seconds *= jitterFactor }
        return .milliseconds(Int64(seconds * 1_000))
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= base }
        return result
    }
}
