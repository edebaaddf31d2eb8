/// The names a schema gives the fields of one mapping, matched against keys byte by byte: a large file
/// has tens of thousands of keys, and making a string of each just to compare it cost more than the
/// comparison.
///
/// A class, so that a reader holding one copies a single reference instead of retaining three arrays.
final class KnownKeys: Sendable, ExpressibleByArrayLiteral {
    let names: [String]
    /// Each name's first eight bytes as one word (zero-padded) and its length: most keys are told apart,
    /// or matched outright, by comparing two integers per name.
    private let heads: [UInt64]
    private let lengths: [Int]
    /// Every name's UTF-8 bytes, one after another; name `i` starts at `offsets[i]`. Compared only past
    /// the first eight, for names longer than that.
    private let bytes: [UInt8]
    private let offsets: [Int]

    init(_ names: [String]) {
        self.names = names
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var heads: [UInt64] = []
        for name in names {
            let utf8 = Array(name.utf8)
            heads.append(utf8.withUnsafeBufferPointer(Self.head))
            offsets.append(bytes.count)
            bytes += utf8
        }
        self.heads = heads
        self.lengths = names.map(\.utf8.count)
        self.bytes = bytes
        self.offsets = offsets
    }

    convenience init(arrayLiteral names: String...) {
        self.init(names)
    }

    var count: Int { names.count }

    subscript(position: Int) -> String { names[position] }

    /// The position of the name `key` spells, or `count` when it is none of them.
    func position(of key: UnsafeBufferPointer<UInt8>) -> Int {
        let head = Self.head(key)
        for position in heads.indices where heads[position] == head && lengths[position] == key.count {
            var index = 8
            let start = offsets[position]
            while index < key.count && bytes[start + index] == key[index] { index += 1 }
            if index >= key.count { return position }
        }
        // A key that is not ASCII may still be one of the names as Swift compares strings (canonical
        // equivalence, as the composer compares keys); rare, so it is checked as strings.
        if !YAMLTree.isASCII(key) {
            let text = String(decoding: key, as: UTF8.self)
            if let position = names.firstIndex(of: text) { return position }
        }
        return names.count
    }

    /// The first eight bytes (fewer, zero-padded, for a shorter name) as one word.
    private static func head(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        if bytes.count >= 8, let base = bytes.baseAddress {
            return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
        }
        var word: UInt64 = 0
        for index in 0..<bytes.count { word |= UInt64(bytes[index]) << UInt64(index * 8) }
        return word
    }

    /// True for `x-…` names (extension blocks, skipped by the schema), read from a key's bytes.
    static func isExtension(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        key.count >= 2 && key[0] == UInt8(ascii: "x") && key[1] == UInt8(ascii: "-")
    }

    static func isExtension(_ name: String) -> Bool {
        var name = name
        return name.withUTF8(isExtension)
    }
}
