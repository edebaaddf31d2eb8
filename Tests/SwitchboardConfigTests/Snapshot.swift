import Foundation
import Testing

/// Golden files under `Fixtures/snapshots/`, read and written in the source tree (not the test bundle's
/// copy), so that `UPDATE_SNAPSHOTS=1` rewrites the files that git shows as a diff.
enum Snapshot {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appending(path: "Fixtures/snapshots", directoryHint: .isDirectory)

    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] == "1" }

    /// Fails with a line diff when `actual` differs from the file at `name` (relative to `folder`);
    /// writes the file instead when `UPDATE_SNAPSHOTS=1`.
    static func assert(_ actual: String, matches name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appending(path: name)
        if updating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("no snapshot \(name): run with UPDATE_SNAPSHOTS=1 to write it", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return }
        Issue.record(
            "output differs from snapshot \(name) (UPDATE_SNAPSHOTS=1 rewrites it):\n\(diff(expected, actual))",
            sourceLocation: sourceLocation)
    }

    /// The lines between the common head and the common tail, as `-` (snapshot) and `+` (now), with the
    /// line number where they start and at most `limit` lines of each.
    static func diff(_ expected: String, _ actual: String, limit: Int = 40) -> String {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var head = 0
        while head < old.count, head < new.count, old[head] == new[head] { head += 1 }
        var tail = 0
        while tail < old.count - head, tail < new.count - head, old[old.count - 1 - tail] == new[new.count - 1 - tail] {
            tail += 1
        }
        let removed = old[head..<(old.count - tail)]
        let added = new[head..<(new.count - tail)]
        var lines = ["@@ line \(head + 1) @@"]
        lines += removed.prefix(limit).map { "-\($0)" }
        if removed.count > limit { lines.append("-… \(removed.count - limit) more") }
        lines += added.prefix(limit).map { "+\($0)" }
        if added.count > limit { lines.append("+… \(added.count - limit) more") }
        return lines.joined(separator: "\n")
    }
}
