/// The names a schema gives the fields of one mapping, matched against keys byte by byte: a large file
/// has tens of thousands of keys, and making a string of each just to compare it cost more than the
/// comparison.
struct KnownKeys: Sendable, ExpressibleByArrayLiteral {
    let names: [String]
    /// Every name's UTF-8 bytes, one after another; name `i` spans `offsets[i]..<offsets[i + 1]`.
    private let bytes: [UInt8]
    private let offsets: [Int]

    init(_ names: [String]) {
        self.names = names
        var bytes: [UInt8] = []
        var offsets = [0]
        for name in names {
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    init(arrayLiteral names: String...) {
        self.init(names)
    }

    var count: Int { names.count }

    subscript(position: Int) -> String { names[position] }

    /// The position of the name spelled by `key`, or `count` when none is.
    func position(of key: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { bytes in
            for position in 0..<names.count {
                let start = offsets[position]
                guard offsets[position + 1] - start == key.count else { continue }
                var index = 0
                while index < key.count && bytes[start + index] == key[index] { index += 1 }
                if index == key.count { return position }
            }
            return names.count
        }
    }
}
