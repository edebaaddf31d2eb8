@testable import SwitchboardConfig
import Testing

/// The YAML layer on its own: node kinds and styles, start and end positions (1-based line:column, columns in
/// Unicode scalars), aliases and merge keys, and every error kind with the position it points at.
struct YAMLParserTests {
    // MARK: - Scalars, sequences, mappings

    @Test func blockMappingKeepsStartAndEndOfEveryNodeKeysIncluded() throws {
        let root = try YAMLParser.parse("a: 1\nb:\n  - x\n  - \"y\"\nc: {d: e}\n")
        #expect(root.range == span(1, 1, 6, 1))
        let pairs = try #require(root.mapping)
        #expect(pairs.map(\.key.string) == ["a", "b", "c"])

        #expect(pairs[0].key.range == span(1, 1, 1, 2))
        #expect(pairs[0].value.range == span(1, 4, 1, 5))
        #expect(pairs[0].value.string == "1")

        #expect(pairs[1].key.range == span(2, 1, 2, 2))
        let list = pairs[1].value
        #expect(list.range == span(3, 3, 5, 1))
        let items = try #require(list.sequence)
        #expect(items.map(\.string) == ["x", "y"])
        #expect(items[0].range == span(3, 5, 3, 6))
        #expect(items[1].range == span(4, 5, 4, 8))

        #expect(pairs[2].key.range == span(5, 1, 5, 2))
        let inner = pairs[2].value
        #expect(inner.range == span(5, 4, 5, 10))
        let innerPairs = try #require(inner.mapping)
        #expect(innerPairs.count == 1)
        #expect(innerPairs[0].key.range == span(5, 5, 5, 6))
        #expect(innerPairs[0].value.range == span(5, 8, 5, 9))
        #expect(innerPairs[0].value.string == "e")
    }

    @Test func flowSequenceKeepsPositionsOfNestedCollections() throws {
        let root = try YAMLParser.parse("[1, [2, 3], {k: v}, \"q\", 's']")
        #expect(root.range == span(1, 1, 1, 30))
        let items = try #require(root.sequence)
        #expect(items.count == 5)
        #expect(items[0].range == span(1, 2, 1, 3))
        #expect(items[1].range == span(1, 5, 1, 11))
        #expect(items[1].sequence?.map(\.string) == ["2", "3"])
        #expect(items[1].sequence?.last?.range == span(1, 9, 1, 10))
        #expect(items[2].range == span(1, 13, 1, 19))
        #expect(items[2]["k"]?.string == "v")
        #expect(items[2].mapping?.first?.key.range == span(1, 14, 1, 15))
        #expect(items[3].range == span(1, 21, 1, 24))
        #expect(items[4].range == span(1, 26, 1, 29))
        #expect(items.map(\.string) == ["1", nil, nil, "q", "s"])
    }

    @Test func indentlessSequenceEndsWhereTheNextKeyStarts() throws {
        let root = try YAMLParser.parse("b:\n- x\n- y\nc: 1\n")
        let list = try #require(root["b"])
        #expect(list.range == span(2, 1, 4, 1))
        #expect(list.sequence?.map(\.range) == [span(2, 3, 2, 4), span(3, 3, 3, 4)])
        #expect(root["c"]?.range == span(4, 4, 4, 5))
    }

    @Test func plainAndQuotedScalarsAreTold() throws {
        let root = try YAMLParser.parse(
            "plain: 42\ndouble: \"42\"\nsingle: '42'\ntext: |\n  line one\n  line two\nfolded: >-\n  a\n  b\nnext: 1\n")
        #expect(root["plain"]?.scalar == YAMLNode.Scalar(value: "42", isPlain: true))
        #expect(root["double"]?.scalar == YAMLNode.Scalar(value: "42", isPlain: false))
        #expect(root["single"]?.scalar == YAMLNode.Scalar(value: "42", isPlain: false))
        #expect(root["double"]?.range == span(2, 9, 2, 13))
        #expect(root["single"]?.range == span(3, 9, 3, 13))

        let literal = try #require(root["text"])
        #expect(literal.scalar == YAMLNode.Scalar(value: "line one\nline two\n", isPlain: false))
        #expect(literal.range == span(4, 7, 7, 1))
        let folded = try #require(root["folded"])
        #expect(folded.scalar == YAMLNode.Scalar(value: "a b", isPlain: false))
        #expect(folded.range == span(7, 9, 10, 1))
        #expect(root["next"]?.range == span(10, 7, 10, 8))
    }

    @Test func explicitTagsAreKept() throws {
        let root = try YAMLParser.parse(
            "a: !custom x\nb: !!str 1\nc: !!map {k: v}\nd: !t [x]\ne: plain\n")
        let custom = try #require(root["a"])
        #expect(custom.scalar == YAMLNode.Scalar(value: "x", isPlain: true, tag: "!custom"))
        #expect(custom.tag == "!custom")
        // The node starts at its tag.
        #expect(custom.range == span(1, 4, 1, 13))
        #expect(root["b"]?.scalar == YAMLNode.Scalar(value: "1", isPlain: true, tag: "tag:yaml.org,2002:str"))
        #expect(root["b"]?.range == span(2, 4, 2, 11))
        #expect(root["c"]?.tag == "tag:yaml.org,2002:map")
        #expect(root["c"]?.range == span(3, 4, 3, 16))
        #expect(root["c"]?["k"]?.string == "v")
        #expect(root["d"]?.tag == "!t")
        #expect(root["d"]?.sequence?.map(\.string) == ["x"])
        #expect(root["e"]?.tag == nil)
        #expect(root.tag == nil)
    }

    @Test func nullIsPlainTildeNullOrEmptyOrAnExplicitNullTag() throws {
        let root = try YAMLParser.parse(
            "a: ~\nb: null\nc:\nd: Null\ne: NULL\nf: \"null\"\ng: 'null'\nh: !!null \"\"\ni: 0\nj: nil\nk: \"\"\nl: !custom ~\n")
        let nulls = try #require(root.mapping).filter(\.value.isNull).map(\.key.string)
        #expect(nulls == ["a", "b", "c", "d", "e", "h"])
        // An empty value has a position but no extent.
        #expect(root["c"]?.range == span(3, 3, 3, 3))
        #expect(root["c"]?.string == "")
        #expect(root["a"]?.kindDescription == "null")
        #expect(root["i"]?.kindDescription == "a scalar")
        #expect(root.kindDescription == "a mapping")
        #expect(!root.isNull)
    }

    @Test func nonScalarKeysAreLeftToTheSchema() throws {
        let root = try YAMLParser.parse("? [a, b]\n: 1\n")
        let pairs = try #require(root.mapping)
        #expect(pairs.count == 1)
        #expect(pairs[0].key.sequence?.map(\.string) == ["a", "b"])
        #expect(pairs[0].key.range == span(1, 3, 1, 9))
        #expect(pairs[0].value.range == span(2, 3, 2, 4))
    }

    @Test func twoParsesOfOneTextAreEqual() throws {
        let text = "a: &x [1, {b: c}]\nd: *x\n"
        let first = try YAMLParser.parse(text)
        let second = try YAMLParser.parse(text)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(try first != YAMLParser.parse("a: &x [1, {b: c}]\nd: *x\ne: 1\n"))
    }

    @Test func nodesCrossTasks() async throws {
        let root = try YAMLParser.parse("name: switchboard\n")
        let name = await Task.detached { root["name"]?.string }.value
        #expect(name == "switchboard")
    }

    // MARK: - Lookup and traversal

    @Test func subscriptFindsScalarKeysOnlyInMappings() throws {
        let root = try YAMLParser.parse("a: [1, 2]\nb: {c: d}\n\"q\": quoted\n")
        #expect(root["a"]?.sequence?.count == 2)
        #expect(root["b"]?["c"]?.string == "d")
        #expect(root["q"]?.string == "quoted")
        #expect(root["missing"] == nil)
        #expect(root["a"]?["c"] == nil)
        #expect(root["b"]?["c"]?["anything"] == nil)
    }

    @Test func forEachNodeVisitsKeysAndValuesInDocumentOrder() throws {
        let root = try YAMLParser.parse("a: [1, 2]\nb: {c: d}\n")
        var visited: [String] = []
        root.forEachNode { node in
            visited.append(node.string ?? (node.sequence != nil ? "[]" : "{}"))
        }
        #expect(visited == ["{}", "a", "[]", "1", "2", "b", "{}", "c", "d"])

        var inner: [String] = []
        try #require(root["b"]).forEachNode { inner.append($0.string ?? "{}") }
        #expect(inner == ["{}", "c", "d"])
    }

    @Test func forEachNodeWalksTenThousandLevelsWithoutRecursion() throws {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + "x" + String(repeating: "]", count: depth)
        let root = try YAMLParser.parse(text, limits: YAMLParser.Limits(maxDepth: depth))
        var count = 0
        var deepest: YAMLNode?
        root.forEachNode { node in
            count += 1
            if node.string != nil { deepest = node }
        }
        #expect(count == depth + 1)
        #expect(deepest?.string == "x")
        #expect(deepest?.range == span(1, depth + 1, 1, depth + 2))
        #expect(root.range == span(1, 1, 1, 2 * depth + 2))
    }

    // MARK: - Non-ASCII

    @Test func columnsAreCountedInUnicodeScalars() throws {
        let root = try YAMLParser.parse("ключ: значение\n😀: a\ne\u{301}: v\n")
        let pairs = try #require(root.mapping)
        #expect(pairs.count == 3)
        #expect(pairs[0].key.range == span(1, 1, 1, 5))
        #expect(pairs[0].value.range == span(1, 7, 1, 15))
        #expect(pairs[0].value.string == "значение")
        // One scalar for the emoji (four UTF-8 bytes, two UTF-16 units).
        #expect(pairs[1].value.range == span(2, 4, 2, 5))
        // "e" and a combining accent: one character on screen, two Unicode scalars.
        #expect(pairs[2].key.range == span(3, 1, 3, 3))
        #expect(pairs[2].value.range == span(3, 5, 3, 6))
    }

    // MARK: - Anchors and aliases

    @Test func aliasGetsTheAnchoredContent() throws {
        let root = try YAMLParser.parse("base: &b {k: v, list: [1, 2]}\ncopy: *b\nname: &n hello\nagain: *n\n")
        let base = try #require(root["base"])
        let copy = try #require(root["copy"])
        #expect(copy["k"]?.string == "v")
        #expect(copy["list"]?.sequence?.map(\.string) == ["1", "2"])
        // An alias shares its anchor's node, position included.
        #expect(copy == base)
        #expect(copy.range == span(1, 7, 1, 30))
        #expect(root["again"]?.scalar == YAMLNode.Scalar(value: "hello", isPlain: true))
        #expect(root["again"]?.range == span(3, 7, 3, 15))
    }

    @Test func aliasUsesTheLatestDefinitionOfAnAnchor() throws {
        let root = try YAMLParser.parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n")
        #expect(root["b"]?.string == "1")
        #expect(root["d"]?.string == "2")
    }

    @Test func aliasToAnUndefinedAnchorIsAnAliasError() {
        expectError(.alias, 1, 4, ["'*nope'", "names no anchor"]) { try YAMLParser.parse("a: *nope\n") }
        // Anchors count only once defined: a forward reference is undefined too.
        expectError(.alias, 1, 4, ["'*x'", "names no anchor"]) { try YAMLParser.parse("a: *x\nb: &x 1\n") }
    }

    @Test func aliasInsideItsOwnAnchorIsACycle() {
        expectError(.alias, 1, 8, ["'*x'", "cycle"]) { try YAMLParser.parse("a: &x [*x]\n") }
        expectError(.alias, 2, 6, ["'*m'", "cycle"]) { try YAMLParser.parse("a: &m\n  b: *m\n") }
    }

    @Test func aliasToAnInnerAnchorReusingAnOpenNameIsNoCycle() throws {
        // `*x` names the most recent `&x`, the finished scalar, not the list still open around it.
        let root = try YAMLParser.parse("a: &x [&x 1, *x]\n")
        #expect(root["a"]?.sequence?.map(\.string) == ["1", "1"])
    }

    @Test func billionLaughsIsRefusedQuickly() {
        // Nine levels of ten aliases: 10^9 nodes if expanded. Level e (line 5) crosses the default budget of
        // 100,000 at its eighth alias: 12,330 nodes from b…d, then 11,111 for each `*d`.
        var lines = ["a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            expectError(.alias, 5, 36, ["more than 100000 nodes"]) { try YAMLParser.parse(text) }
        }
        #expect(elapsed < .seconds(1))
    }

    @Test func aliasExpansionBudgetComesFromTheLimits() throws {
        let text = "a: &a [1, 2]\nb: *a\n"
        let fits = try YAMLParser.parse(text, limits: YAMLParser.Limits(maxAliasExpansion: 3))
        #expect(fits["b"]?.sequence?.count == 2)
        expectError(.alias, 2, 4, ["more than 2 nodes"]) {
            try YAMLParser.parse(text, limits: YAMLParser.Limits(maxAliasExpansion: 2))
        }
    }

    // MARK: - Merge keys

    @Test func mergeKeyBringsInTheMissingKeysAndExplicitKeysWin() throws {
        let root = try YAMLParser.parse(
            "base: &base\n  host: example.com\n  port: 80\n  tls: false\nservice:\n  port: 8080\n  <<: *base\n  tls: true\n")
        let service = try #require(root["service"])
        let pairs = try #require(service.mapping)
        // Merged pairs take the place of their `<<`; keys the mapping sets itself are not merged.
        #expect(pairs.map(\.key.string) == ["port", "host", "tls"])
        #expect(pairs.map(\.value.string) == ["8080", "example.com", "true"])
        #expect(pairs[0].key.range == span(6, 3, 6, 7))
        // A merged pair keeps the position where it was written.
        #expect(pairs[1].key.range == span(2, 3, 2, 7))
        #expect(pairs[1].value.range == span(2, 9, 2, 20))
        #expect(pairs[2].key.range == span(8, 3, 8, 6))
        #expect(root["base"]?.mapping?.count == 3)
    }

    @Test func mergeOfAListPrefersTheEarlierMapping() throws {
        let root = try YAMLParser.parse("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n")
        let pairs = try #require(root["c"]?.mapping)
        #expect(pairs.map(\.key.string) == ["x", "y", "z", "w"])
        #expect(pairs.map(\.value.string) == ["1", "1", "2", "0"])
    }

    @Test func mergeOfAnInlineMapping() throws {
        let root = try YAMLParser.parse("a:\n  <<: {k: v, n: 1}\n  n: 2\n")
        #expect(root["a"]?.mapping?.map(\.key.string) == ["k", "n"])
        #expect(root["a"]?["n"]?.string == "2")
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let root = try YAMLParser.parse("a:\n  \"<<\": 1\n")
        #expect(root["a"]?.mapping?.map(\.key.string) == ["<<"])
        #expect(root["a"]?["<<"]?.string == "1")
    }

    @Test func mergeOfAScalarIsAStructureError() {
        expectError(.structure, 2, 7, ["merge key ('<<')", "not a scalar"]) {
            try YAMLParser.parse("a:\n  <<: 5\n")
        }
        expectError(.structure, 3, 12, ["merge key ('<<') takes a mapping or a list of mappings"]) {
            try YAMLParser.parse("x: &x {k: 1}\na:\n  <<: [*x, 5]\n")
        }
    }

    @Test func mergeOfAnAliasedScalarPointsAtTheAlias() {
        // The error belongs where the merge is written, not on the line that defines the anchor.
        expectError(.structure, 3, 7, ["not a scalar"]) { try YAMLParser.parse("s: &s 5\na:\n  <<: *s\n") }
    }

    // MARK: - Duplicate keys

    @Test func duplicateKeyIsReportedAtTheSecondKey() {
        expectError(.duplicateKey, 3, 1, ["duplicate key 'a'", "first defined at 1:1"]) {
            try YAMLParser.parse("a: 1\nb: 2\na: 3\n")
        }
        expectError(.duplicateKey, 3, 3, ["duplicate key 'x'", "first defined at 2:3"]) {
            try YAMLParser.parse("outer:\n  x: 1\n  x: 2\n")
        }
        expectError(.duplicateKey, 1, 8, ["duplicate key 'a'", "first defined at 1:2"]) {
            try YAMLParser.parse("{a: 1, a: 2}")
        }
        // Quoting does not make another key.
        expectError(.duplicateKey, 2, 1, ["duplicate key 'a'", "first defined at 1:1"]) {
            try YAMLParser.parse("a: 1\n\"a\": 2\n")
        }
    }

    @Test func duplicateKeyInALargeMapping() {
        // Past a dozen keys the check switches from a list to a dictionary; both must keep the first position.
        let keys = (1...30).map { "key\($0): \($0)" }
        expectError(.duplicateKey, 14, 1, ["duplicate key 'key1'", "first defined at 1:1"]) {
            try YAMLParser.parse((keys[..<13] + ["key1: again"]).joined(separator: "\n"))
        }
        expectError(.duplicateKey, 31, 1, ["duplicate key 'key5'", "first defined at 5:1"]) {
            try YAMLParser.parse((keys + ["key5: again"]).joined(separator: "\n"))
        }
        expectError(.duplicateKey, 31, 1, ["duplicate key 'key20'", "first defined at 20:1"]) {
            try YAMLParser.parse((keys + ["key20: again"]).joined(separator: "\n"))
        }
    }

    /// Keys are compared as Swift compares strings (canonical equivalence), in small and large mappings
    /// alike: the decoder could not tell such keys apart, so both must not pass.
    @Test(arguments: [0, 20])
    func canonicallyEquivalentKeysAreDuplicates(keysBefore: Int) {
        let padding = (0..<keysBefore).map { "pad\($0): 0\n" }.joined()
        let line = keysBefore + 2
        expectError(.duplicateKey, line, 1, ["first defined at \(line - 1):1"]) {
            try YAMLParser.parse(padding + "caf\u{E9}: 1\ncafe\u{301}: 2\n")
        }
        expectError(.duplicateKey, line, 1, ["duplicate key", "first defined at \(line - 1):1"]) {
            try YAMLParser.parse(padding + "Kelvin: 1\n\u{212A}elvin: 2\n")
        }
        // Different texts that only look alike are not duplicates.
        #expect(throws: Never.self) { try YAMLParser.parse(padding + "caf\u{E9}: 1\ncafe: 2\nCAF\u{C9}: 3\n") }
    }

    @Test func lookupByKeyUsesCanonicalEquivalence() throws {
        let root = try YAMLParser.parse("cafe\u{301}: 1\n\u{212A}: 2\nplain: 3\n")
        #expect(root["caf\u{E9}"]?.string == "1")
        #expect(root["K"]?.string == "2")
        #expect(root["plain"]?.string == "3")
        #expect(root["plai"] == nil)
        #expect(root["cafe"] == nil)
    }

    @Test func duplicateKeyWrittenAsAnAliasIsReportedAtTheAlias() {
        expectError(.duplicateKey, 2, 11, ["duplicate key 'a'", "first defined at 2:5"]) {
            try YAMLParser.parse("x: &k a\ny: {a: 1, *k : 2}\n")
        }
    }

    @Test func firstKeyWrittenAsAnAliasIsNamedAtTheAliasInSmallAndLargeMappings() {
        // The first definition's position is where the alias was written, not where its anchor was.
        expectError(.duplicateKey, 2, 13, ["duplicate key 'a'", "first defined at 2:5"]) {
            try YAMLParser.parse("x: &k a\ny: {*k : 1, a: 2}\n")
        }
        let filler = (1...20).map { "  f\($0): \($0)" }
        let text = (["x: &k a", "y:", "  *k : 1"] + filler + ["  a: 2"]).joined(separator: "\n")
        expectError(.duplicateKey, 24, 3, ["duplicate key 'a'", "first defined at 3:3"]) {
            try YAMLParser.parse(text)
        }
    }

    @Test func kindAccessorsAnswerOnlyForTheirKind() throws {
        let root = try YAMLParser.parse("list: [a, b, c]\nmap: {x: 1, y: 2}\nscalar: s\n")
        #expect(root["list"]?.sequence?.map(\.string) == ["a", "b", "c"])
        #expect(root["map"]?.mapping?.map(\.key.string) == ["x", "y"])
        #expect(root["map"]?.mapping?[1].value.location == SourceLocation(line: 2, column: 16))
        #expect(root["scalar"]?.sequence == nil && root["scalar"]?.mapping == nil)
        #expect(root["list"]?.isSequence == true && root["map"]?.isMapping == true)
        #expect(root["list"]?.mapping == nil && root["map"]?.sequence == nil && root["map"]?.string == nil)
    }

    @Test func sameKeyInDifferentMappingsOrFromAMergeIsNoDuplicate() throws {
        let root = try YAMLParser.parse("x: {a: 1}\ny: {a: 2}\nz:\n  a: 3\n")
        #expect(root["x"]?["a"]?.string == "1")
        #expect(root["y"]?["a"]?.string == "2")
        #expect(root["z"]?["a"]?.string == "3")

        let merged = try YAMLParser.parse("d: &d {a: 1, b: 1}\ne: &e {a: 2}\nm:\n  a: 0\n  <<: [*d, *e]\n  b: 0\n")
        #expect(merged["m"]?.mapping?.map(\.key.string) == ["a", "b"])
        #expect(merged["m"]?.mapping?.map(\.value.string) == ["0", "0"])
    }

    // MARK: - Syntax errors from libyaml

    @Test func mappingValueInsideAPlainScalarIsASyntaxError() {
        expectError(.syntax, 1, 5, ["mapping values are not allowed in this context"]) {
            try YAMLParser.parse("a: b: c\n")
        }
    }

    @Test func unclosedFlowSequenceIsASyntaxError() {
        expectError(.syntax, 2, 1, ["did not find expected ',' or ']'", "while parsing a flow sequence at 1:1"]) {
            try YAMLParser.parse("[1, 2")
        }
        expectError(.syntax, 2, 1, ["did not find expected ',' or ']'", "while parsing a flow sequence at 1:4"]) {
            try YAMLParser.parse("a: [1, 2\n")
        }
    }

    // Retold in the user's terms, at the mistake; libyaml's words stay as a note where it noticed.

    @Test func badIndentationIsASyntaxErrorAtTheMisindentedLine() {
        expectError(
            .syntax, 3, 2, ["indented by 1 space, the line before it (line 2) by 2"],
            note: (3, 2, ["did not find expected key", "while parsing a block mapping at 1:1"])
        ) {
            try YAMLParser.parse("a:\n  b: 1\n c: 2\n")
        }
        expectError(
            .syntax, 3, 4, ["indented by 3 spaces, the line before it (line 2) by 2"],
            note: (3, 5, ["mapping values are not allowed in this context"])
        ) {
            try YAMLParser.parse("a:\n  b: 1\n   c: 2\n")
        }
    }

    @Test func tabIndentationIsASyntaxErrorThatSaysTab() {
        expectError(
            .syntax, 2, 1, ["a tab indents this line"],
            note: (2, 1, ["found character that cannot start any token", "while scanning for the next token at 2:1"])
        ) {
            try YAMLParser.parse("a:\n\tb: 1\n")
        }
    }

    @Test func unterminatedQuoteIsASyntaxErrorAtTheQuote() {
        expectError(
            .syntax, 1, 4, ["unclosed double quote"],
            note: (2, 1, ["found unexpected end of stream", "while scanning a quoted scalar at 1:4"])
        ) {
            try YAMLParser.parse("a: \"unterminated\n")
        }
        // Closed by a later quote, the string swallows lines; libyaml notices two lines on.
        expectError(
            .syntax, 2, 6, ["unclosed single quote"], note: (3, 7, ["did not find expected key"])
        ) {
            try YAMLParser.parse("m:\n  a: 'it is\n  b: 'x'\n  c: 1\n")
        }
    }

    @Test func aBracketClosedWithTheOtherKindIsSaidSo() {
        expectError(
            .syntax, 1, 11, ["'{' opened at 1:4 is closed with ']'"],
            note: (1, 11, ["did not find expected ',' or '}'", "while parsing a flow mapping at 1:4"])
        ) {
            try YAMLParser.parse("a: { b: 1 ]\n")
        }
    }

    @Test func aQuotedStringOverSeveralLinesIsNotBlamed() {
        #expect(throws: Never.self) { try YAMLParser.parse("a: \"one\n  two\"\nb: 1\n") }
        expectError(.syntax, 3, 5, ["mapping values are not allowed in this context"]) {
            try YAMLParser.parse("a: \"one\n  two\"\nb: c: d\n")
        }
    }

    // MARK: - Documents

    @Test func emptyInputIsAStructureError() {
        expectError(.structure, 1, 1, ["the file is empty"]) { try YAMLParser.parse("") }
        expectError(.structure, 1, 1, ["the file is empty"]) { try YAMLParser.parse([UInt8]()) }
    }

    @Test func whitespaceOrCommentsOnlyIsAStructureError() {
        expectError(.structure, 1, 1, ["the file is empty"]) { try YAMLParser.parse("  \n\n   \n") }
        expectError(.structure, 1, 1, ["the file is empty"]) { try YAMLParser.parse("# only a comment\n  # another\n") }
    }

    @Test func secondDocumentIsAStructureErrorAtItsStart() {
        expectError(.structure, 2, 1, ["second YAML document"]) { try YAMLParser.parse("a: 1\n---\nb: 2\n") }
        expectError(.structure, 3, 1, ["second YAML document"]) { try YAMLParser.parse("---\na: 1\n---\nb: 2\n") }
        expectError(.structure, 2, 1, ["second YAML document"]) { try YAMLParser.parse("a: 1\n---\n") }
    }

    @Test func contentAfterADocumentEndMarkerIsASyntaxError() {
        expectError(.syntax, 3, 1, ["did not find expected <document start>"]) {
            try YAMLParser.parse("a: 1\n...\nb: 2\n")
        }
    }

    @Test func singleExplicitDocumentIsFine() throws {
        let root = try YAMLParser.parse("---\na: 1\n")
        #expect(root.range == span(2, 1, 3, 1))
        #expect(root["a"]?.range == span(2, 4, 2, 5))
        let ended = try YAMLParser.parse("--- \na: 1\n...\n")
        #expect(ended["a"]?.string == "1")
        // A bare `---` is one document holding null; whether that is a valid configuration is the schema's call.
        let bare = try YAMLParser.parse("---\n")
        #expect(bare.isNull)
    }

    // MARK: - Bytes

    @Test func invalidUTF8IsASyntaxErrorAtItsByte() {
        expectError(.syntax, 1, 4, ["invalid leading UTF-8 octet", "0xFF"]) {
            try YAMLParser.parse([0x61, 0x3A, 0x20, 0xFF])
        }
        // Earlier lines and multi-byte characters count as lines and as one column each.
        expectError(.syntax, 2, 5, ["invalid leading UTF-8 octet"]) {
            try YAMLParser.parse(Array("a: 1\nb: П".utf8) + [0xFF, 0x0A])
        }
        expectError(.syntax, 2, 7, ["invalid leading UTF-8 octet"]) {
            try YAMLParser.parse(Array("a: 1\r\nключ: ".utf8) + [0xFF])
        }
        expectError(.syntax, 1, 4, ["incomplete UTF-8 octet sequence"]) {
            try YAMLParser.parse([0x61, 0x3A, 0x20, 0xD0])
        }
    }

    @Test func nulByteInADocumentIsASyntaxError() {
        expectError(.syntax, 2, 5, ["control characters are not allowed", "0x0"]) {
            try YAMLParser.parse(Array("a: 1\nb: x".utf8) + [0x00] + Array("y\n".utf8))
        }
        expectError(.syntax, 1, 1, ["control characters are not allowed"]) { try YAMLParser.parse([0x00]) }
    }

    @Test func readerErrorCountsCarriageReturnLineBreaksAsLibyamlDoes() {
        // libyaml breaks lines at a lone CR too (its marks for this text are on line 3), so the byte offset
        // of a reader error must be counted the same way.
        expectError(.syntax, 3, 4, ["control characters are not allowed"]) {
            try YAMLParser.parse("a: 1\rb: 2\rc: \u{1}")
        }
    }

    @Test func byteOrderMarkIsAccepted() throws {
        let root = try YAMLParser.parse([0xEF, 0xBB, 0xBF] + Array("a: 1\nb: 2\n".utf8))
        #expect(root.mapping?.map(\.key.string) == ["a", "b"])
        #expect(root["a"]?.string == "1")
        #expect(root.mapping?.last?.key.range == span(2, 1, 2, 2))
        // The mark is not text: the first key is in column 1, as editors show it.
        #expect(root.mapping?.first?.key.range == span(1, 1, 1, 2))
        #expect(root["a"]?.range == span(1, 4, 1, 5))
    }

    @Test func escapedNulKeepsEveryCharacter() throws {
        let root = try YAMLParser.parse("key: \"a\\0b\"\n")
        let value = try #require(root["key"])
        #expect(value.string == "a\u{0}b")
        #expect(value.string?.unicodeScalars.map(\.value) == [0x61, 0x00, 0x62])
        #expect(value.range == span(1, 6, 1, 12))
        #expect(value.scalar?.isPlain == false)
    }

    @Test func millionCharacterLineParses() throws {
        let long = String(repeating: "x", count: 1_000_000)
        let root = try YAMLParser.parse("key: \(long)\nnext: 1\n")
        let value = try #require(root["key"])
        #expect(value.string?.utf8.count == 1_000_000)
        #expect(value.string == long)
        #expect(value.range == span(1, 6, 1, 1_000_006))
        #expect(root["next"]?.range == span(2, 7, 2, 8))
    }

    // MARK: - Nesting

    @Test func tenThousandFlowLevelsStopAtTheDepthLimit() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        expectError(.structure, 1, 257, ["nesting is deeper than 256 levels"]) { try YAMLParser.parse(text) }
    }

    @Test func twoThousandBlockMappingLevelsStopAtTheDepthLimit() {
        // Level n is `k:` indented by n - 1 spaces, so the 257th mapping starts at 257:257. Block nesting
        // needs quadratic indentation, so 2,000 levels (2 MB) stand in for the 10,000 of the flow test,
        // which a 50 MB input would make slow in debug builds for nothing more.
        let depth = 2_000
        var bytes = [UInt8](repeating: UInt8(ascii: " "), count: depth * (depth + 5) / 2 + depth + 2)
        var offset = 0
        for level in 0..<depth {
            offset += level
            bytes[offset] = UInt8(ascii: "k")
            bytes[offset + 1] = UInt8(ascii: ":")
            bytes[offset + 2] = UInt8(ascii: "\n")
            offset += 3
        }
        bytes[offset + depth] = UInt8(ascii: "v")
        bytes[offset + depth + 1] = UInt8(ascii: "\n")
        #expect(offset + depth + 2 == bytes.count)
        expectError(.structure, 257, 257, ["nesting is deeper than 256 levels"]) { try YAMLParser.parse(bytes) }
    }

    @Test func tenThousandBlockSequenceLevelsStopAtTheDepthLimit() {
        let text = String(repeating: "- ", count: 10_000) + "x\n"
        expectError(.structure, 1, 513, ["nesting is deeper than 256 levels"]) { try YAMLParser.parse(text) }
    }

    @Test func nestingAtTheDefaultLimitIsFineAndOneMoreFails() throws {
        let limit = YAMLParser.Limits().maxDepth
        let atLimit = String(repeating: "[", count: limit) + "x" + String(repeating: "]", count: limit)
        var node = try YAMLParser.parse(atLimit)
        var levels = 0
        while let items = node.sequence {
            levels += 1
            node = try #require(items.first)
        }
        #expect(levels == limit)
        #expect(node.string == "x")

        let overLimit = "[" + atLimit + "]"
        expectError(.structure, 1, limit + 1, ["nesting is deeper than \(limit) levels"]) {
            try YAMLParser.parse(overLimit)
        }
    }

    @Test func depthLimitComesFromTheLimits() throws {
        let limits = YAMLParser.Limits(maxDepth: 3)
        #expect(try YAMLParser.parse("a: {b: [c]}\n", limits: limits)["a"]?["b"]?.sequence?.first?.string == "c")
        expectError(.structure, 1, 9, ["nesting is deeper than 3 levels"]) {
            try YAMLParser.parse("a: {b: [[c]]}\n", limits: limits)
        }
    }
}

// MARK: - Helpers

private typealias Location = SwitchboardConfig.SourceLocation

private func span(_ startLine: Int, _ startColumn: Int, _ endLine: Int, _ endColumn: Int) -> SourceRange {
    SourceRange(
        start: Location(line: startLine, column: startColumn), end: Location(line: endLine, column: endColumn))
}

/// Expects `parse` to throw a `YAMLError` of `kind` at `line`:`column` whose message contains every phrase.
private func expectError(
    _ kind: YAMLError.Kind, _ line: Int, _ column: Int, _ phrases: [String],
    note: (line: Int, column: Int, phrases: [String])? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ parse: () throws -> YAMLNode
) {
    let error = #expect(throws: YAMLError.self, sourceLocation: sourceLocation) { try parse() }
    guard let error else { return }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    #expect(error.location == Location(line: line, column: column), "\(error)", sourceLocation: sourceLocation)
    for phrase in phrases {
        #expect(error.message.contains(phrase), "'\(error.message)' lacks '\(phrase)'", sourceLocation: sourceLocation)
    }
    guard let note else { return }
    #expect(error.notes.count == 1, "\(error.notes)", sourceLocation: sourceLocation)
    guard let found = error.notes.first else { return }
    #expect(found.location == Location(line: note.line, column: note.column), "\(found)", sourceLocation: sourceLocation)
    for phrase in note.phrases {
        #expect(found.message.contains(phrase), "'\(found.message)' lacks '\(phrase)'", sourceLocation: sourceLocation)
    }
}
