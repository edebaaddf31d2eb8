import Foundation

/// Usage over a window, one summary per route, provider, model or key, busiest first.
public struct UsageReport: Sendable, Hashable {
    /// The window's start (inclusive).
    public var since: Date
    public var grouping: UsageGrouping
    public var groups: [UsageGroupSummary]

    public init(since: Date, grouping: UsageGrouping, groups: [UsageGroupSummary]) {
        self.since = since
        self.grouping = grouping
        self.groups = groups
    }

    /// The label for attempts without a key (keyless providers such as the template) and requests that
    /// named no model.
    public static let none = "(none)"

    /// The nearest-rank percentile (`fraction` in 0…1) of sorted values.
    static func percentile(_ fraction: Double, ofSorted values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }
}
