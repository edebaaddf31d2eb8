#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory with POSIX calls, straight into the byte array the parser takes: a
/// large providers.yaml is read once, not copied through `Data` first.
enum SourceFile {
    /// Why a file could not be read, in words for a diagnostic ("no such file", "it is a directory", or
    /// the operating system's own).
    struct ReadError: Error, Sendable {
        var reason: String
    }

    static func contents(of path: String) -> Result<[UInt8], ReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadError(errno: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(ReadError(errno: errno)) }
        if status.st_mode & S_IFMT == S_IFDIR { return .failure(ReadError(errno: EISDIR)) }

        // The size is a hint (files under /proc report 0, and a file can change while read): read to the
        // end, growing the buffer when it fills.
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 4096) + 1)
        var count = 0
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let result = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + count, buffer.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(errno: errno))
            }
            if result == 0 { break }
            count += result
        }
        bytes.removeSubrange(count...)
        return .success(bytes)
    }
}

extension SourceFile.ReadError {
    init(errno code: Int32) {
        switch code {
        case ENOENT: reason = "no such file"
        case EISDIR: reason = "it is a directory"
        default: reason = String(cString: strerror(code))
        }
    }
}
