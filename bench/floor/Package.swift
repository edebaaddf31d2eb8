// swift-tools-version: 6.2
// The floor for bench/overhead.sh --floor and bench/streams.sh: Hummingbird answering a fixed body,
// Hummingbird relaying through AsyncHTTPClient, and a minimal SwiftNIO relay, with none of Switchboard's
// own work; and the two ends of the streaming benchmark (a paced SSE upstream, a load client holding
// thousands of streams). A package of its own so that the root package never builds it.
import PackageDescription

/// The dependencies of a tool on SwiftNIO's HTTP/1 server and client alone.
let nioTool: [Target.Dependency] = [
    "BenchSupport",
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]

let package = Package(
    name: "SwitchboardFloor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FloorServer",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // What the three NIO tools share: standard error, the descriptor limit, `http://` URLs, usage exits.
        .target(name: "BenchSupport"),
        // A minimal SwiftNIO relay: NIOHTTP1 server, keep-alive upstream connections per event loop.
        .executableTarget(name: "NIORelay", dependencies: nioTool),
        // An OpenAI-compatible upstream that streams chat.completion.chunk events paced like tokens.
        .executableTarget(name: "PacedUpstream", dependencies: nioTool),
        // Opens N concurrent streamed requests and reports time to first event and gaps between events.
        .executableTarget(name: "StreamLoad", dependencies: nioTool),
    ],
    swiftLanguageModes: [.v6]
)
