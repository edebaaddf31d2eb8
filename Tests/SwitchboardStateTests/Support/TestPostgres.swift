import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The throwaway cluster Tests/postgres/run.sh started: its URL, and a script that stops and starts it.
enum TestPostgres {
    static let urlVariable = "SWITCHBOARD_TEST_POSTGRES_URL"
    static var url: String? { ProcessInfo.processInfo.environment[urlVariable] }
    static var isAvailable: Bool { url != nil }
    static var control: String? { ProcessInfo.processInfo.environment["SWITCHBOARD_TEST_POSTGRES_CONTROL"] }

    struct ControlFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the control script (`stop` or `start`) and waits for it; pg_ctl -w returns once it is done.
    static func run(_ command: String) throws {
        guard let control else { throw ControlFailed(description: "SWITCHBOARD_TEST_POSTGRES_CONTROL is not set") }
        var pid: pid_t = 0
        let arguments = ["/bin/bash", control, command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ)
        guard spawned == 0 else { throw ControlFailed(description: "cannot run \(control): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw ControlFailed(description: "\(control) \(command) exited with \(status)") }
    }
}
