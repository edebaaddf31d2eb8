import BenchSupport

/// StreamLoad's command line.
struct LoadOptions: Sendable {
    var target = HTTPURL(host: "127.0.0.1", port: 80, path: "/")
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
        do {
            options.target = try HTTPURL(url)
        } catch {
            usage("--url \(error.message)")
        }
        return options
    }

    private static func trimmed(_ text: Substring) -> String? {
        let result = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return result.isEmpty ? nil : String(result)
    }

    private static let commandLine = CommandLineUsage(
        tool: "StreamLoad",
        text: "usage: StreamLoad --url http://HOST:PORT/PATH --streams C [--ramp-ms R (1000)] [--model M (bench-stream)] [--header \"name: value\"]... [--timeout-s S (120)] [--threads T (1)]\n")

    private static func integer(_ value: String, _ option: String) -> Int { commandLine.integer(value, option) }

    static func usage(_ problem: String?) -> Never { commandLine.fail(problem) }
}
