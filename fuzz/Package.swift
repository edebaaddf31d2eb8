// swift-tools-version: 6.2
// A libFuzzer harness for the configuration path (YAML loader, decoder, linter, formatter). A package of
// its own so that the root package's normal builds never see the sanitizer flags. Build and run with
// `fuzz/run.sh`; see fuzz/README.md.
import PackageDescription

let package = Package(
    name: "SwitchboardFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Switchboard", path: ".."),
    ],
    targets: [
        // Built with `-sanitize=fuzzer,address -parse-as-library`: ConfigFuzzer.swift supplies
        // `LLVMFuzzerTestOneInput`, libFuzzer the driver.
        .executableTarget(
            name: "ConfigFuzzer",
            dependencies: [
                "FuzzerEntry",
                .product(name: "SwitchboardConfig", package: "Switchboard"),
            ]
        ),
        // The entry point SwiftPM's link line asks for (`ConfigFuzzer_main`), calling libFuzzer's driver.
        .target(name: "FuzzerEntry"),
    ],
    swiftLanguageModes: [.v6]
)
