#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thousands of held connections need as many descriptors: lift the soft limit to the hard one.
public enum FileLimit {
    /// The soft limit in force afterwards, where it can be read.
    @discardableResult
    public static func raise() -> UInt64? {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
        #else
        return nil
        #endif
    }
}
