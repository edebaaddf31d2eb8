/// An error reading YAML: libyaml's syntax errors, and the structural checks libyaml does not make
/// (duplicate keys, alias cycles and bombs, excessive nesting, more than one document).
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// libyaml rejected the input (its problem, context and mark are in the message).
        case syntax
        /// A mapping repeats a key; reported at the second occurrence.
        case duplicateKey
        /// An alias names no anchor, refers to the node that contains it, or expands too far.
        case alias
        /// Something YAML allows but a configuration file does not (several documents, an empty file,
        /// nesting deeper than the limit, a bad merge). Non-scalar mapping keys are left to the schema.
        case structure
    }

    /// Another place that explains the error: for a syntax error retold in the user's terms, libyaml's
    /// own words where libyaml noticed it.
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation
    public var notes: [Note] = []

    public init(_ kind: Kind, _ message: String, at location: SourceLocation, notes: [Note] = []) {
        self.kind = kind
        self.message = message
        self.location = location
        self.notes = notes
    }

    public var description: String { "\(location): \(message)" }
}
