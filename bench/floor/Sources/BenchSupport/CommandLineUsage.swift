#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tool's usage text and the exits that go with it: 2 with a problem on standard error, 0 with the
/// text on standard output for `--help`.
public struct CommandLineUsage: Sendable {
    public let tool: String
    public let text: String

    public init(tool: String, text: String) {
        self.tool = tool
        self.text = text
    }

    /// Exits: 2 after printing `problem` and the usage to standard error, 0 after printing the usage when
    /// there is no problem (`--help`).
    public func fail(_ problem: String?) -> Never {
        if let problem {
            StandardError.write("\(tool): \(problem)\n" + text)
            exit(2)
        }
        print(text, terminator: "")
        exit(0)
    }

    /// `value` as a whole number, or exit naming `option`.
    public func integer(_ value: String, _ option: String) -> Int {
        guard let number = Int(value) else { fail("\(option) takes a whole number, not \"\(value)\"") }
        return number
    }
}
