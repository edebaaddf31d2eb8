#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard error without buffering.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { raw in
            #if canImport(Glibc)
            Glibc.write(2, raw.baseAddress, raw.count)
            #else
            Darwin.write(2, raw.baseAddress, raw.count)
            #endif
        }
    }
}

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
