import Foundation

/// `Retry-After` as upstreams send it: delay seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`).
enum RetryAfter {
    static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64(min(seconds, 86_400) * 1_000))
        }
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                let seconds = max(0, min(date.timeIntervalSince(now), 86_400))
                return .milliseconds(Int64(seconds * 1_000))
            }
        }
        return nil
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms HTTP still allows.
    private static let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
}
