import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwitchboardConfig

/// Large files are read by libyaml on one thread while the tree is built on another. Whatever the input,
/// that must give the same tree or the same error as reading and building on one thread, and it must
/// return: no input may leave either thread waiting.
@Suite(.timeLimit(.minutes(1)))  // a thread left waiting fails the suite instead of hanging it
struct YAMLPipelineTests {
    private func parseBothWays(_ text: String) -> (
        serial: Result<YAMLNode, YAMLError>, pipelined: Result<YAMLNode, YAMLError>
    ) {
        parseBothWays(bytes: Array(text.utf8))
    }

    private func parseBothWays(bytes: [UInt8], limits: YAMLParser.Limits = .init()) -> (
        serial: Result<YAMLNode, YAMLError>, pipelined: Result<YAMLNode, YAMLError>
    ) {
        (
            Result { () throws(YAMLError) in try YAMLParser.parse(bytes, limits: limits, pipelined: false) },
            Result { () throws(YAMLError) in try YAMLParser.parse(bytes, limits: limits, pipelined: true) }
        )
    }

    /// A valid document of several thousand events (many batches), with `tail` appended.
    private func largeDocument(routes: Int = 400, tail: String = "") -> String {
        var lines = ["version: 1", "x-defaults: &defaults { timeouts: { connect: 5s } }", "providers:"]
        for index in 0..<routes {
            lines.append("  p\(index):")
            lines.append("    <<: *defaults")
            lines.append("    adapter: openai-chat")
            lines.append("    base_url: \"https://p\(index).example.com/v1\"")
            lines.append("    tags: [a, 'b', !!str c, &x\(index) d, *x\(index)]")
        }
        return lines.joined(separator: "\n") + "\n" + tail
    }

    @Test func largeDocumentsGiveTheSameTree() throws {
        for text in [largeDocument(), largeDocument(routes: 3), GeneratedConfiguration().text, "a: 1\n"] {
            let (serial, pipelined) = parseBothWays(text)
            let expected = try serial.get()
            #expect(try pipelined.get() == expected)
        }
    }

    @Test func theRootProvidersFileAndEveryFixtureGiveTheSameResult() throws {
        let folder = try LintFixture.folder()
        var files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../providers.yaml")
        files.append(root.standardizedFileURL)
        #expect(files.count > 20)
        for file in files {
            // `io-error.yaml` is a directory.
            guard let data = try? Data(contentsOf: file) else { continue }
            let (serial, pipelined) = parseBothWays(bytes: Array(data))
            #expect(pipelined == serial, "\(file.lastPathComponent)")
        }
    }

    /// Errors after many batches, and errors in the first batch while the reader is far ahead: the
    /// builder gives up, the reader stops, and the error is the one a single thread finds.
    @Test(arguments: [
        ("syntax error at the end", "  bad: [unclosed\n"),
        ("duplicate key at the end", "version: 2\n"),
        ("second document", "---\nb: 1\n"),
        ("alias without anchor", "late: *nowhere\n"),
    ])
    func errorsAfterManyBatches(_ name: String, tail: String) throws {
        let (serial, pipelined) = parseBothWays(largeDocument(tail: tail))
        guard case .failure(let expected) = serial else {
            Issue.record("\(name): expected an error")
            return
        }
        #expect(pipelined == .failure(expected), "\(name)")
    }

    @Test func errorsInTheFirstBatchOfALargeFile() throws {
        for head in ["a: 1\na: 2\n", "- [\n", "a: *missing\n"] {
            let body = largeDocument(routes: 2000).replacingOccurrences(of: "version: 1\n", with: "")
            let (serial, pipelined) = parseBothWays(head + body)
            #expect(pipelined == serial, "\(head)")
            if case .success = serial { Issue.record("\(head): expected an error") }
        }
    }

    @Test func limitsAreEnforcedTheSameWay() throws {
        let nesting = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let deep = largeDocument(tail: "deep: \(nesting)\n")
        let (serial, pipelined) = parseBothWays(deep)
        #expect(pipelined == serial)
        #expect((try? serial.get()) == nil)
        var bomb = largeDocument() + "b0: &b0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<8 {
            bomb += "b\(level): &b\(level) [" + Array(repeating: "*b\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let bombs = parseBothWays(bomb)
        #expect(bombs.pipelined == bombs.serial)
        #expect((try? bombs.serial.get()) == nil)
    }

    /// Parses running at once, each with a reader thread of its own, all finish with the right tree.
    @Test func concurrentParsesAllFinish() throws {
        let bytes = Array(largeDocument().utf8)
        let expected = try YAMLParser.parse(bytes, limits: .init(), pipelined: false)
        let matches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            if (try? YAMLParser.parse(bytes, limits: .init(), pipelined: true)) == expected {
                matches.withLock { $0 += 1 }
            }
        }
        #expect(matches.withLock { $0 } == 12)
    }
}
