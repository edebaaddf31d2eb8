#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// StreamLoad's command line.
struct LoadOptions: Sendable {
    var host = "127.0.0.1"
    var port = 80
    var path = "/"
    var streams = 0
    var rampMilliseconds = 1_000
    var model = "bench-stream"
    var headers: [(name: String, value: String)] = []
    var timeoutSeconds = 120
    var threads = 1

    static func parse(_ arguments: [String]) -> LoadOptions {
        var options = LoadOptions()
        var url: String?
        var streams: Int?
        var rest = arguments[...]
        while let option = rest.popFirst() {
            if option == "-h" || option == "--help" { usage(nil) }
            guard let value = rest.popFirst() else { usage("\(option) needs a value") }
            switch option {
            case "--url": url = value
            case "--streams": streams = integer(value, option)
            case "--ramp-ms": options.rampMilliseconds = integer(value, option)
            case "--model": options.model = value
            case "--header":
                let parts = value.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let name = trimmed(parts[0]), !name.contains(" ") else {
                    usage("--header takes \"name: value\", not \"\(value)\"")
                }
                options.headers.append((name, trimmed(parts[1]) ?? ""))
            case "--timeout-s": options.timeoutSeconds = integer(value, option)
            case "--threads": options.threads = integer(value, option)
            default: usage("unknown option \(option)")
            }
        }
        guard let url else { usage("--url is required") }
        guard let streams else { usage("--streams is required") }
        guard streams > 0 else { usage("--streams must be positive") }
        guard options.rampMilliseconds >= 0 else { usage("--ramp-ms must not be negative") }
        guard options.timeoutSeconds > 0 else { usage("--timeout-s must be positive") }
        guard options.threads > 0 else { usage("--threads must be positive") }
        guard !options.model.contains("\""), !options.model.contains("\\") else { usage("--model must not contain quotes or backslashes") }
        options.streams = streams
        options.setURL(url)
        return options
    }

    /// `http://HOST[:PORT][/PATH]`: plain HTTP only, an IPv4 address or a name, the path kept whole.
    private mutating func setURL(_ url: String) {
        guard url.hasPrefix("http://") else { Self.usage("--url must start with http:// (got \"\(url)\")") }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let pathPart = rest.dropFirst(authority.count)
        let hostAndPort = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = hostAndPort.first, !host.isEmpty, hostAndPort.count <= 2 else {
            Self.usage("--url needs a host, like http://127.0.0.1:8080/v1/chat/completions")
        }
        if hostAndPort.count == 2 {
            guard let port = Int(hostAndPort[1]), (1...65535).contains(port) else { Self.usage("--url has a bad port \"\(hostAndPort[1])\"") }
            self.port = port
        }
        self.host = String(host)
        path = pathPart.isEmpty ? "/" : (pathPart.hasPrefix("/") ? String(pathPart) : "/" + pathPart)
    }

    private static func trimmed(_ text: Substring) -> String? {
        let result = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return result.isEmpty ? nil : String(result)
    }

    private static func integer(_ value: String, _ option: String) -> Int {
        guard let number = Int(value) else { usage("\(option) takes a whole number, not \"\(value)\"") }
        return number
    }

    static func usage(_ problem: String?) -> Never {
        let text = "usage: StreamLoad --url http://HOST:PORT/PATH --streams C [--ramp-ms R (1000)] [--model M (bench-stream)] [--header \"name: value\"]... [--timeout-s S (120)] [--threads T (1)]\n"
        if let problem {
            StandardError.write("StreamLoad: \(problem)\n" + text)
            exit(2)
        }
        print(text, terminator: "")
        exit(0)
    }
}
