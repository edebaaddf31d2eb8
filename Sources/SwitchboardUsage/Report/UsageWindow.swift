/// How far back `switchboard usage --since` looks: `90s`, `30m`, `24h`, `7d`, `2w`.
///
/// Separate from providers.yaml's `DurationParser`, which stops at a week and has no day unit because
/// no timeout or cooldown needs one; report windows do.
public enum UsageWindow {
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: Character, seconds: Double)] = [
            ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800),
        ]
        guard let last = text.last, let unit = units.first(where: { $0.suffix == last }) else { return nil }
        let number = text.dropLast()
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value > 0, value * unit.seconds <= 100 * 365 * 86_400
        else { return nil }
        return .milliseconds(Int64((value * unit.seconds * 1_000).rounded()))
    }
}
