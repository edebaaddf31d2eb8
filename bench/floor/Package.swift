// swift-tools-version: 6.2
// The framework floor for bench/overhead.sh --floor: Hummingbird answering a fixed body, and Hummingbird
// relaying the request to the mock upstream through AsyncHTTPClient, with none of Switchboard's own work.
// A package of its own so that the root package never builds it.
import PackageDescription

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
    ],
    swiftLanguageModes: [.v6]
)
