import CLibYAML

/// Reads a YAML stream through libyaml's event API into `EventBatch`es.
///
/// This is the only file that imports libyaml. The parser lives in memory we allocate, so it never moves
/// while libyaml holds pointers into it, and the input bytes stay alive for the whole read.
enum YAMLEventReader {
    /// Reads `bytes` to the end of the stream, or to libyaml's first error, handing `deliver` one batch
    /// of at most `batchSize` events at a time; the last batch says so, and carries the error if there
    /// was one. Stops early, without a last batch, when `deliver` returns false.
    static func read(_ bytes: [UInt8], batchSize: Int, deliver: (EventBatch) -> Bool) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            var batch = EventBatch(capacity: 0)
            batch.error = YAMLError(.syntax, "libyaml could not initialise a parser (out of memory)", at: .start)
            batch.isLast = true
            _ = deliver(batch)
            return
        }
        defer { yaml_parser_delete(parser) }

        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                var batch = EventBatch(capacity: 0)
                batch.isLast = true
                _ = deliver(batch)
                return
            }
            // No explicit encoding: libyaml then detects (and skips) a byte-order mark.
            yaml_parser_set_input_string(parser, base, buffer.count)
            var batch = EventBatch(capacity: batchSize)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(parser, &event) == 1 else {
                    batch.error = syntaxError(parser.pointee, bytes: buffer)
                    batch.isLast = true
                    _ = deliver(batch)
                    return
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT {
                    batch.isLast = true
                    _ = deliver(batch)
                    return
                }
                append(event, to: &batch)
                if batch.events.count >= batchSize {
                    guard deliver(batch) else { return }
                    batch = EventBatch(capacity: batchSize)
                }
            }
        }
    }

    // MARK: - Events

    /// Adds one libyaml event to `batch` in Swift terms, so libyaml's C types stay in this file.
    private static func append(_ event: yaml_event_t, to batch: inout EventBatch) {
        let kind: EventBatch.Kind
        var isPlain = false
        var textStart: Int32 = 0
        var textCount: Int32 = 0
        var tag: Int32 = -1
        var anchor: Int32 = -1
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            kind = .documentStart
        case YAML_SCALAR_EVENT:
            kind = .scalar
            let data = event.data.scalar
            isPlain = data.style == YAML_PLAIN_SCALAR_STYLE
            // libyaml hands out valid UTF-8.
            if let value = data.value {
                textStart = batch.addText(UnsafeBufferPointer(start: value, count: data.length))
                textCount = Int32(clamping: data.length)
            } else {
                textStart = Int32(truncatingIfNeeded: batch.textCount)
            }
            if data.tag != nil { tag = batch.addName(string(data.tag)) }
            if data.anchor != nil { anchor = batch.addName(string(data.anchor)) }
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart
            let data = event.data.sequence_start
            if data.tag != nil { tag = batch.addName(string(data.tag)) }
            if data.anchor != nil { anchor = batch.addName(string(data.anchor)) }
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart
            let data = event.data.mapping_start
            if data.tag != nil { tag = batch.addName(string(data.tag)) }
            if data.anchor != nil { anchor = batch.addName(string(data.anchor)) }
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            kind = .collectionEnd
        case YAML_ALIAS_EVENT:
            kind = .alias
            anchor = batch.addName(string(event.data.alias.anchor) ?? "")
        default:
            // Stream start and end, document end: nothing to build.
            return
        }
        batch.events.append(EventBatch.Event(
            kind: kind, isPlain: isPlain,
            span: PackedRange(
                startLine: line(event.start_mark), startColumn: column(event.start_mark),
                endLine: line(event.end_mark), endColumn: column(event.end_mark)),
            textStart: textStart, textCount: textCount, tag: tag, anchor: anchor))
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    private static func line(_ mark: yaml_mark_t) -> Int32 { Int32(clamping: mark.line + 1) }
    private static func column(_ mark: yaml_mark_t) -> Int32 { Int32(clamping: mark.column + 1) }

    private static func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: Int(line(mark)), column: Int(column(mark)))
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
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at \(location(parser.context_mark)))"
        }
        return YAMLError(.syntax, message, at: location(parser.problem_mark))
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
