/// Which route a request takes and where in its chain it starts.
public struct RouteSelection: Sendable, Hashable {
    public var route: String
    /// Index into the route's targets (by priority); earlier targets are not tried.
    public var startIndex: Int

    public init(route: String, startIndex: Int = 0) {
        self.route = route
        self.startIndex = startIndex
    }
}
