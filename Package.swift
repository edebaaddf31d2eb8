// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwitchboardConfig", targets: ["SwitchboardConfig"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-lint", targets: ["switchboard-lint"]),
        .plugin(name: "LintProviders", targets: ["LintProviders"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev). Only YAMLEventReader.swift imports it.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The YAML layer, the typed schema and the lint rules. Foundation and libyaml only: no NIO,
        // so the lint tool and the plugin build fast.
        .target(
            name: "SwitchboardConfig",
            dependencies: ["CLibYAML"]
        ),
        // JSON read and written on the request path (bodies in, bodies out), without Foundation.
        .target(name: "SwitchboardJSON"),
        // The failover engine and the Swift API: adapters, keys, routing, telemetry.
        .target(
            name: "Switchboard",
            dependencies: [
                "SwitchboardConfig",
                "SwitchboardJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The OpenAI-compatible HTTP front: Hummingbird routes, client auth, SSE, Prometheus.
        .target(
            name: "SwitchboardServer",
            dependencies: [
                "Switchboard",
                "SwitchboardConfig",
                "SwitchboardJSON",
                "SwitchboardState",
                "SwitchboardUsage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The usage log: per-request and per-attempt records batched into SQLite (GRDB, WAL), and the
        // reports `switchboard usage` prints. Independent of the engine and the server.
        .target(
            name: "SwitchboardUsage",
            dependencies: [
                "SwitchboardConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Key state and usage shared between replicas through PostgreSQL (providers.yaml `state:`): kept
        // off the request path, so a slow or absent database never holds a request.
        .target(
            name: "SwitchboardState",
            dependencies: [
                "Switchboard",
                "SwitchboardConfig",
                "SwitchboardUsage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The `lint` command shared by `switchboard lint` and the lint-only `switchboard-lint`.
        .target(
            name: "SwitchboardLintCLI",
            dependencies: [
                "SwitchboardConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "Switchboard",
                "SwitchboardConfig",
                "SwitchboardLintCLI",
                "SwitchboardServer",
                "SwitchboardState",
                "SwitchboardUsage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the `lint-providers` plugin runs: the linter without the server's dependency graph.
        .executableTarget(
            name: "switchboard-lint",
            dependencies: [
                "SwitchboardLintCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .plugin(
            name: "LintProviders",
            capability: .command(
                intent: .custom(
                    verb: "lint-providers",
                    description: "Lint providers.yaml (or the given files) with the Switchboard linter"
                )
            ),
            dependencies: ["switchboard-lint"]
        ),
        .testTarget(
            name: "SwitchboardConfigTests",
            dependencies: ["SwitchboardConfig", "SwitchboardLintCLI"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SwitchboardJSONTests",
            dependencies: ["SwitchboardJSON"]
        ),
        // A scripted HTTP upstream on 127.0.0.1 shared by the engine and server tests.
        .target(
            name: "SwitchboardTestSupport",
            dependencies: [
                "Switchboard",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SwitchboardTestSupport"
        ),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: [
                "Switchboard",
                "SwitchboardServer",
                "SwitchboardState",
                "SwitchboardUsage",
                "SwitchboardTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // The relay corpus, read from the source tree (#filePath) by LosslessRelayTests.
            exclude: ["Fixtures"]
        ),
        // Needs a PostgreSQL server: Tests/postgres/run.sh starts a throwaway cluster and sets
        // SWITCHBOARD_TEST_POSTGRES_URL; without it the suite is skipped.
        .testTarget(
            name: "SwitchboardStateTests",
            dependencies: [
                "Switchboard",
                "SwitchboardConfig",
                "SwitchboardServer",
                "SwitchboardState",
                "SwitchboardTestSupport",
                "SwitchboardUsage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "SwitchboardUsageTests",
            dependencies: [
                "SwitchboardConfig",
                "SwitchboardUsage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SwitchboardTests",
            dependencies: [
                "Switchboard",
                "SwitchboardTestSupport",
                "SwitchboardConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
