import BenchSupport

/// PacedUpstream's command line.
struct UpstreamOptions {
    var port = 0
    var events = 300
    var intervalMilliseconds = 33.0
    var threads = 1

    /// The interval as given, without a trailing `.0` when it is whole.
    var intervalText: String {
        intervalMilliseconds == intervalMilliseconds.rounded() && intervalMilliseconds < 1e15
            ? String(Int(intervalMilliseconds)) : String(intervalMilliseconds)
    }

    static func parse(_ arguments: [String]) -> UpstreamOptions {
        var options = UpstreamOptions()
        var port: Int?
        var rest = arguments[...]
        while let option = rest.popFirst() {
            if option == "-h" || option == "--help" { usage(nil) }
            guard let value = rest.popFirst() else { usage("\(option) needs a value") }
            switch option {
            case "--port": port = integer(value, option)
            case "--events": options.events = integer(value, option)
            case "--interval-ms":
                guard let interval = Double(value), interval.isFinite, interval > 0 else {
                    usage("--interval-ms takes a positive number of milliseconds (fractions allowed)")
                }
                options.intervalMilliseconds = interval
            case "--threads": options.threads = integer(value, option)
            default: usage("unknown option \(option)")
            }
        }
        guard let port else { usage("--port is required") }
        guard (1...65535).contains(port) else { usage("--port must be between 1 and 65535") }
        guard options.events >= 0 else { usage("--events must not be negative") }
        guard options.threads > 0 else { usage("--threads must be positive") }
        options.port = port
        return options
    }

    private static let commandLine = CommandLineUsage(
        tool: "PacedUpstream",
        text: "usage: PacedUpstream --port P [--events N (300)] [--interval-ms G (33, fractions allowed)] [--threads T (1)]\n")

    private static func integer(_ value: String, _ option: String) -> Int { commandLine.integer(value, option) }

    static func usage(_ problem: String?) -> Never { commandLine.fail(problem) }
}
