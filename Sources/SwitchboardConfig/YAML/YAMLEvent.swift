/// A parse event in Swift terms: what `YAMLParser` hands `YAMLComposer`, so that libyaml's C types stay in
/// one file.
enum YAMLEvent {
    case documentStart(SourceLocation)
    case scalar(YAMLNode.Scalar, anchor: String?, range: SourceRange)
    case sequenceStart(anchor: String?, tag: String?, start: SourceLocation)
    case sequenceEnd(end: SourceLocation)
    case mappingStart(anchor: String?, tag: String?, start: SourceLocation)
    case mappingEnd(end: SourceLocation)
    case alias(anchor: String, range: SourceRange)
    /// Stream start and end, document end: nothing for the composer to do.
    case ignored
}
