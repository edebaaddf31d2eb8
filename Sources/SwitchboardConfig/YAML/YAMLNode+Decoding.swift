/// Reads the decoder needs on hot paths, done in place on the tree.
extension YAMLNode.Pairs {
    /// How entry `position`'s key reads against a schema's names.
    enum KeyMatch {
        /// The key is a sequence or a mapping.
        case notAScalar
        /// The key is an empty scalar.
        case empty
        /// An `x-…` extension block.
        case `extension`
        /// The key's position in the names, or their count when it spells none of them.
        case field(Int)
    }

    /// Matches entry `position`'s key against `known` by its bytes, without making a string or a node.
    func match(keyAt position: Int, in known: KnownKeys) -> KeyMatch {
        let record = tree.records[Int(tree.children[start + position * 2])]
        guard record.kind == .scalar else { return .notAScalar }
        guard record.count > 0 else { return .empty }
        return tree.withBytes(of: record) { bytes in
            KnownKeys.isExtension(bytes) ? .extension : .field(known.position(of: bytes))
        }
    }

    /// The key node of entry `position`, without making its value node.
    func key(at position: Int) -> YAMLNode {
        precondition(position >= 0 && position < count, "YAMLNode.Pairs index out of range")
        return YAMLNode(tree: tree, index: tree.children[start + position * 2])
    }
}
