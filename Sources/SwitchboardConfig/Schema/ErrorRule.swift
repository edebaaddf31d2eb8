/// How one kind of failure is classified and handled. Rules are tried in order and the first match wins;
/// the file's rules come first, then `ErrorRule.builtInDefaults`.
public struct ErrorRule: Sendable, Hashable {
    /// The class name reported in traces and metrics (`rate_limited`, `unauthorized`, …).
    public var name: String
    public var match: ErrorMatch
    public var action: ErrorAction
    /// For `retry`: how many times the same key and target are retried before moving on to the next target.
    public var retries: Int
    public var keyEffect: KeyEffect
    public var source: SourceMap

    public init(
        name: String, match: ErrorMatch, action: ErrorAction, retries: Int = 2, keyEffect: KeyEffect = KeyEffect(),
        source: SourceMap = .none
    ) {
        self.name = name
        self.match = match
        self.action = action
        self.retries = retries
        self.keyEffect = keyEffect
        self.source = source
    }
}

/// What the engine does after a classified failure.
public enum ErrorAction: String, Sendable, Hashable, CaseIterable {
    /// Try the same target with its next usable key; when none is left, move to the next target.
    case nextKey = "next_key"
    /// Leave this target and try the next one.
    case nextTarget = "next_target"
    /// Try the same key again after a backoff, at most `retries` times, then move to the next target.
    case retry
    /// Stop and return the error to the caller: every target would reject this request.
    case fail
}

/// What a failure does to the key that met it, for all later requests.
public struct KeyEffect: Sendable, Hashable {
    /// Skip the key for this long.
    public var cooldown: Duration?
    /// Cool down for the upstream's `Retry-After` (seconds or HTTP date) when it is longer.
    public var honorRetryAfter: Bool
    /// Skip the key until the configuration is reloaded (a revoked or wrong key).
    public var disable: Bool

    public init(cooldown: Duration? = nil, honorRetryAfter: Bool = false, disable: Bool = false) {
        self.cooldown = cooldown
        self.honorRetryAfter = honorRetryAfter
        self.disable = disable
    }

    public var isNone: Bool { cooldown == nil && !honorRetryAfter && !disable }
}

/// The failures that happen before an HTTP status exists.
public enum TransportFailure: String, Sendable, Hashable, CaseIterable {
    /// The attempt ran past its timeout or the route's deadline.
    case timeout
    case connectionRefused = "connection_refused"
    /// The connection closed or reset before the whole answer arrived.
    case connectionReset = "connection_reset"
    /// A 2xx answer whose body is not what the adapter expects (bad JSON, wrong shape, broken stream).
    case malformedResponse = "malformed_response"
}

/// What a rule matches: an HTTP answer (by status, status range and/or body substring — all given
/// conditions must hold), or a transport failure.
public enum ErrorMatch: Sendable, Hashable {
    case http(statuses: StatusSet?, bodyContains: String?)
    case transport(Set<TransportFailure>)

    /// True when every failure `other` matches is matched by `self` too: `other` can never fire after `self`.
    public func covers(_ other: ErrorMatch) -> Bool {
        switch (self, other) {
        case (.transport(let mine), .transport(let theirs)):
            return theirs.isSubset(of: mine)
        case (.http(let myStatuses, let myBody), .http(let theirStatuses, let theirBody)):
            let statusesCovered: Bool
            switch (myStatuses, theirStatuses) {
            case (nil, _): statusesCovered = true
            case (.some, nil): statusesCovered = false
            case (.some(let mine), .some(let theirs)): statusesCovered = mine.contains(theirs)
            }
            let bodyCovered: Bool
            switch (myBody, theirBody) {
            case (nil, _): bodyCovered = true
            case (.some, nil): bodyCovered = false
            case (.some(let mine), .some(let theirs)): bodyCovered = Self.contains(theirs, mine)
            }
            return statusesCovered && bodyCovered
        default:
            return false
        }
    }

    public func matches(status: Int, body: String) -> Bool {
        guard case .http(let statuses, let bodyContains) = self else { return false }
        if let statuses, !statuses.contains(status) { return false }
        if let bodyContains, !Self.contains(body, bodyContains) { return false }
        return true
    }

    /// Whether `text` contains `part`, byte for byte in UTF-8. Foundation's `String.contains` compares
    /// Characters with a naive search: O(n·m), seconds for two long `body_contains` strings in the
    /// shadowed-rule check. Like it, an empty `part` is contained in nothing.
    static func contains(_ text: String, _ part: String) -> Bool {
        !part.isEmpty && text.utf8.firstRange(of: part.utf8) != nil
    }

    public func matches(_ failure: TransportFailure) -> Bool {
        guard case .transport(let failures) = self else { return false }
        return failures.contains(failure)
    }
}

/// A set of HTTP statuses written as single codes and inclusive ranges.
public struct StatusSet: Sendable, Hashable {
    public var ranges: [ClosedRange<Int>]

    public init(_ ranges: [ClosedRange<Int>]) {
        self.ranges = ranges
    }

    public init(codes: [Int]) {
        self.ranges = codes.map { $0...$0 }
    }

    public func contains(_ status: Int) -> Bool { ranges.contains { $0.contains(status) } }

    /// True when every status in `other` is in `self`.
    public func contains(_ other: StatusSet) -> Bool {
        other.ranges.allSatisfy { range in
            // Statuses are few (100–599), so checking each one is simple and exact.
            range.allSatisfy { contains($0) }
        }
    }
}
