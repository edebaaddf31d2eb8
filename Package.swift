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
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev). Only YAMLParser.swift imports it.
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
                "SwitchboardConfig",
                "SwitchboardLintCLI",
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
    ],
    swiftLanguageModes: [.v6]
)
