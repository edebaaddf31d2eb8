import CLibYAML

/// Reads a YAML stream through libyaml's event API.
///
/// This is the only file that imports libyaml. The parser lives in memory we allocate, so it never moves
/// while libyaml holds pointers into it, and the input bytes stay alive for the whole read.
enum YAMLEventReader {
    /// Hands `body` each event of `bytes` in order, up to the end of the stream; throws libyaml's first
    /// error after the events before it, or whatever `body` throws.
    static func read(_ bytes: [UInt8], _ body: (YAMLEvent) throws(YAMLError) -> Void) throws(YAMLError) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(.syntax, "libyaml could not initialise a parser (out of memory)", at: .start)
        }
        defer { yaml_parser_delete(parser) }

        try bytes.withUnsafeBufferPointer { buffer throws(YAMLError) in
            guard let base = buffer.baseAddress else { return }
            // No explicit encoding: libyaml then detects (and skips) a byte-order mark.
            yaml_parser_set_input_string(parser, base, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw syntaxError(parser.pointee, bytes: buffer)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                if let converted = convert(event) { try body(converted) }
            }
        }
    }

    // MARK: - Events

    private static func convert(_ event: yaml_event_t) -> YAMLEvent? {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(at: start)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            // Built from pointer and length, since a scalar can contain NUL; libyaml hands out valid UTF-8.
            let text = data.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
            }
            return .scalar(
                text ?? "", isPlain: data.style == YAML_PLAIN_SCALAR_STYLE, tag: string(data.tag),
                anchor: string(data.anchor), range: SourceRange(start: start, end: location(event.end_mark)))
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            return .collectionStart(.sequence, tag: string(data.tag), anchor: string(data.anchor), at: start)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            return .collectionStart(.mapping, tag: string(data.tag), anchor: string(data.anchor), at: start)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            return .collectionEnd(at: location(event.end_mark))
        case YAML_ALIAS_EVENT:
            return .alias(string(event.data.alias.anchor) ?? "", at: start)
        default:
            return nil
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    private static func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    // MARK: - Errors

    private static func syntaxError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        if parser.error == YAML_MEMORY_ERROR {
            return YAMLError(.syntax, "libyaml ran out of memory", at: .start)
        }
        if parser.error == YAML_READER_ERROR {
            // Reader errors (bad encoding, control characters) carry a byte offset, not a mark.
            let offset = Int(parser.problem_offset)
            var message = problem
            if parser.problem_value >= 0 {
                message += " (byte 0x\(String(parser.problem_value, radix: 16, uppercase: true)))"
            }
            return YAMLError(.syntax, message, at: location(ofByte: offset, in: bytes))
        }
        var message = problem
        let context = parser.context.map { String(cString: $0) }
        if let context { message += " (\(context) at \(location(parser.context_mark)))" }
        let problemAt = location(parser.problem_mark)
        let report = YAMLSyntaxHint.Report(
            problem: problem, problemAt: problemAt, context: context,
            contextAt: context == nil ? nil : location(parser.context_mark))
        guard let hint = YAMLSyntaxHint.explain(report, in: Array(bytes)) else {
            return YAMLError(.syntax, message, at: problemAt)
        }
        return YAMLError(.syntax, hint.message, at: hint.location, notes: [.init(message: "libyaml: " + message, location: problemAt)])
    }

    /// Line and column (in Unicode scalars) of a byte offset, counting line breaks as libyaml does (LF,
    /// CR, CRLF, NEL, U+2028, U+2029) and not counting a leading byte-order mark.
    private static func location(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var index = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        while index < end {
            let byte = bytes[index]
            var breakLength = 0
            if byte == UInt8(ascii: "\n") {
                breakLength = 1
            } else if byte == UInt8(ascii: "\r") {
                breakLength = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") ? 2 : 1
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0x85 {
                breakLength = 2
            } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80,
                bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
            {
                breakLength = 3
            }
            if breakLength > 0, index + breakLength <= end {
                line += 1
                column = 1
                index += breakLength
                continue
            }
            // Continuation bytes (10xxxxxx) do not start a character.
            if byte & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return SourceLocation(line: line, column: column)
    }
}
