import Foundation
import SwitchboardConfig
import Testing

/// What `switchboard lint FILE` and `switchboard lint --format json FILE` print, byte for byte, for every
/// lint fixture, the root providers.yaml and the fuzz findings, against the files in `Fixtures/snapshots/`.
/// A changed message is a failing test with a diff; after a deliberate change,
/// `UPDATE_SNAPSHOTS=1 swift test --filter LintSnapshotTests` rewrites the files, to be reviewed in git.
struct LintSnapshotTests {
    @Test(arguments: try LintSnapshotInput.all())
    func text(_ input: LintSnapshotInput) throws {
        let report = input.lint()
        let formatter = DiagnosticFormatter()
        let output = formatter.text(report) + formatter.summary([report]) + "\n"
        try Snapshot.assert(input.normalised(output), matches: "\(input.snapshot).txt")
    }

    @Test(arguments: try LintSnapshotInput.all())
    func json(_ input: LintSnapshotInput) throws {
        let output = DiagnosticFormatter().json([input.lint()]) + "\n"
        try Snapshot.assert(input.normalised(output), matches: "\(input.snapshot).json")
    }

    @Test func everySnapshotHasAnInput() throws {
        let expected = Set(try LintSnapshotInput.all().flatMap { ["\($0.snapshot).txt", "\($0.snapshot).json"] })
        let enumerator = try #require(FileManager.default.enumerator(atPath: Snapshot.folder.path))
        let files = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".txt") || $0.hasSuffix(".json") }
        for file in files { #expect(expected.contains(file), "stray snapshot \(file)") }
    }
}

/// One file to lint, how to lint it, and the path its output shows instead of where it lies at test time.
struct LintSnapshotInput: Sendable, CustomTestStringConvertible {
    var path: String
    /// What replaces `path` in the output: the same path relative to the package.
    var shownPath: String
    /// The snapshot's name without extension, relative to `Snapshot.folder`.
    var snapshot: String
    var environment: [String: String]?

    var testDescription: String { shownPath }

    func lint() -> LintReport {
        Linter(environment: environment).lint(file: path)
    }

    func normalised(_ output: String) -> String {
        output.replacingOccurrences(of: path, with: shownPath)
    }

    static func all() throws -> [LintSnapshotInput] {
        let fixtures = try LintFixture.folder()
        let fixtureInputs = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted().map { name in
            let url = fixtures.appending(path: name)
            return LintSnapshotInput(
                path: url.path, shownPath: "Tests/SwitchboardConfigTests/Fixtures/lint/\(name)",
                snapshot: "lint/\(name.dropLast(".yaml".count))", environment: LintFixture.environment(ofFixtureAt: url))
        }
        let root = URL(fileURLWithPath: RootConfiguration.path).deletingLastPathComponent()
        let findings = root.appending(path: "fuzz/findings")
        // Linted as FuzzFindingTests lints them: with an empty environment, so the env checks run too.
        let findingInputs = try FileManager.default.contentsOfDirectory(atPath: findings.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { name in
                LintSnapshotInput(
                    path: findings.appending(path: name).path, shownPath: "fuzz/findings/\(name)",
                    snapshot: "findings/\(name.dropLast(".yaml".count))", environment: [:])
            }
        let providers = LintSnapshotInput(
            path: RootConfiguration.path, shownPath: "providers.yaml", snapshot: "providers", environment: nil)
        return fixtureInputs + findingInputs + [providers]
    }
}
