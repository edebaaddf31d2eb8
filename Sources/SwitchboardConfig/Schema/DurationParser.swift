/// Durations as people write them in providers.yaml: `250ms`, `30s`, `1.5s`, `2m`, `1h`.
public enum DurationParser {
    /// Longest suffix first, so `ms` is not read as `s`. Built once: a large file has thousands of durations.
    private static let units: [(suffix: String, milliseconds: Double)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000),
    ]

    public static func parse(_ text: String) -> Duration? {
        // Trimming is costly for the thousands of durations in a large file; skip it when there is nothing
        // to trim (looking at bytes, not Characters, which would need grapheme breaking).
        let space = UInt8(ascii: " ")
        let trimmed = text.utf8.first == space || text.utf8.last == space ? text.trimmingWhitespace() : text
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.utf8.dropLast(unit.suffix.utf8.count)
            guard !number.isEmpty,
                number.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }),
                let value = Double(Substring(number)), value.isFinite
            else { return nil }
            let milliseconds = value * unit.milliseconds
            // A week is far beyond any timeout or cooldown; refusing more keeps arithmetic safe.
            guard milliseconds <= 7 * 24 * 3_600_000 else { return nil }
            return .milliseconds(Int64(milliseconds.rounded()))
        }
        return nil
    }

    /// The shortest exact spelling of a duration in the units `parse` reads.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 3_600_000 == 0, milliseconds != 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0, milliseconds != 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000)s" }
        return "\(milliseconds)ms"
    }
}
