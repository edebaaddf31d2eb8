/// One libyaml parse event in Swift terms, as `YAMLEventReader` hands it to `YAMLComposer`. Stream
/// start and end and document end carry nothing the tree needs and are not passed on.
enum YAMLEvent {
    case documentStart(at: SourceLocation)
    case scalar(String, isPlain: Bool, tag: String?, anchor: String?, range: SourceRange)
    case collectionStart(YAMLTree.Kind, tag: String?, anchor: String?, at: SourceLocation)
    case collectionEnd(at: SourceLocation)
    case alias(String, at: SourceLocation)
}
