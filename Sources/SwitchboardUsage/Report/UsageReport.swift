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

    /// The label for requests without a route (refused before routing) or a model.
    public static let none = "(none)"

    /// The key label of calls made without a key (keyless providers such as the template).
    public static let noKey = "(no key)"

    /// The nearest-rank percentile (`fraction` in 0…1) of sorted values.
    static func percentile(_ fraction: Double, ofSorted values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }
}
