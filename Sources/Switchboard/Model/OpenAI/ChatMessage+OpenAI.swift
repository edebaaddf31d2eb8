import SwitchboardJSON

extension ChatMessage {
    /// Members the typed message holds itself; others are kept in `extraFields`.
    static let typedFields: Set<String> = ["role", "content", "name", "tool_calls", "tool_call_id", "refusal"]

    /// Reads `messages[index]` of a request, or an answer's `message`.
    init(openAI value: JSONValue, at index: Int) throws(ChatRequestFormatError) {
        guard let object = value.object, let role = object["role"]?.string else {
            throw ChatRequestFormatError("messages[\(index)] must be an object with a 'role'")
        }
        var content = ""
        var parts: [ContentPart]?
        switch object["content"] {
        case .string(let text): content = text
        case nil, .null: break
        case .array(let rawParts):
            var read: [ContentPart] = []
            read.reserveCapacity(rawParts.count)
            for raw in rawParts {
                guard let part = raw.object, part["type"]?.string != nil else {
                    throw ChatRequestFormatError("messages[\(index)].content parts must be objects with a 'type'")
                }
                read.append(ContentPart(openAI: part))
            }
            parts = read
            content = ContentPart.text(of: read)
        default:
            throw ChatRequestFormatError("messages[\(index)].content must be a string or an array of content parts")
        }
        var toolCalls: [ToolCall] = []
        switch object["tool_calls"] {
        case nil, .null: break
        case .array(let calls):
            for call in calls {
                guard let call = ToolCall(openAI: call) else {
                    throw ChatRequestFormatError(
                        "messages[\(index)].tool_calls must be objects with an 'id' and a 'function' with a 'name'")
                }
                toolCalls.append(call)
            }
        default: throw ChatRequestFormatError("messages[\(index)].tool_calls must be an array")
        }
        self.init(
            role: role, content: content, parts: parts, name: object["name"]?.string, toolCalls: toolCalls,
            toolCallID: object["tool_call_id"]?.string, refusal: object["refusal"]?.string,
            extraFields: JSONObject(object.members.filter { !Self.typedFields.contains($0.key) }))
    }

    /// The message in OpenAI's shape. An assistant message that only calls tools has `content: null`.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("role", role)
            json.key("content")
            if let parts {
                json.array { json in for part in parts { part.write(to: &json) } }
            } else if content.isEmpty && (!toolCalls.isEmpty || refusal != nil) {
                json.null()
            } else {
                json.string(content)
            }
            json.member("name", ifPresent: name)
            if !toolCalls.isEmpty {
                json.key("tool_calls")
                json.array { json in for call in toolCalls { call.write(to: &json) } }
            }
            json.member("tool_call_id", ifPresent: toolCallID)
            json.member("refusal", ifPresent: refusal)
            for member in extraFields where !Self.typedFields.contains(member.key) {
                json.key(member.key)
                json.value(member.value)
            }
        }
    }
}

extension ContentPart {
    init(openAI part: JSONObject) {
        switch part["type"]?.string {
        case "text":
            if let text = part["text"]?.string, part.count == 2 { self = .text(text); return }
        case "image_url":
            if let image = part["image_url"]?.object, let url = image["url"]?.string, part.count == 2,
                image.allSatisfy({ $0.key == "url" || $0.key == "detail" })
            {
                self = .imageURL(url, detail: image["detail"]?.string)
                return
            }
        case "input_audio":
            if let audio = part["input_audio"]?.object, let data = audio["data"]?.string,
                let format = audio["format"]?.string, part.count == 2, audio.count == 2
            {
                self = .inputAudio(data: data, format: format)
                return
            }
        default: break
        }
        // Anything the typed cases cannot hold exactly stays as it came.
        self = .other(part)
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .text(let text):
            json.object { json in
                json.member("type", "text")
                json.member("text", text)
            }
        case .imageURL(let url, let detail):
            json.object { json in
                json.member("type", "image_url")
                json.key("image_url")
                json.object { json in
                    json.member("url", url)
                    json.member("detail", ifPresent: detail)
                }
            }
        case .inputAudio(let data, let format):
            json.object { json in
                json.member("type", "input_audio")
                json.key("input_audio")
                json.object { json in
                    json.member("data", data)
                    json.member("format", format)
                }
            }
        case .other(let object):
            json.value(.object(object))
        }
    }
}

extension ToolCall {
    /// A complete call (`{"id", "type", "function": {"name", "arguments"}}`); nil when it is not one.
    init?(openAI value: JSONValue) {
        guard let function = value["function"]?.object, let name = function["name"]?.string else { return nil }
        self.init(
            id: value["id"]?.string ?? "", type: value["type"]?.string ?? "function", name: name,
            arguments: function["arguments"]?.string ?? "")
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("id", id)
            json.member("type", type)
            json.key("function")
            json.object { json in
                json.member("name", name)
                json.member("arguments", arguments)
            }
        }
    }
}

extension ToolCallDelta {
    init?(openAI value: JSONValue) {
        guard let index = value["index"]?.integer else { return nil }
        let function = value["function"]
        self.init(
            index: index, id: value["id"]?.string, type: value["type"]?.string, name: function?["name"]?.string,
            arguments: function?["arguments"]?.string)
    }

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("index", index)
            json.member("id", ifPresent: id)
            json.member("type", ifPresent: type)
            if name != nil || arguments != nil {
                json.key("function")
                json.object { json in
                    json.member("name", ifPresent: name)
                    json.member("arguments", ifPresent: arguments)
                }
            }
        }
    }
}

extension ChatTool {
    init(openAI value: JSONValue, at index: Int) throws(ChatRequestFormatError) {
        guard let object = value.object, object["type"]?.string != nil else {
            throw ChatRequestFormatError("tools[\(index)] must be an object with a 'type'")
        }
        if object["type"]?.string == "function", object.count == 2, let function = object["function"]?.object,
            let name = function["name"]?.string,
            function.allSatisfy({ ["name", "description", "parameters", "strict"].contains($0.key) })
        {
            self = .function(
                name: name, description: function["description"]?.string, parameters: function["parameters"],
                strict: function["strict"]?.bool)
        } else {
            self = .other(object)
        }
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .function(let name, let description, let parameters, let strict):
            json.object { json in
                json.member("type", "function")
                json.key("function")
                json.object { json in
                    json.member("name", name)
                    json.member("description", ifPresent: description)
                    if let parameters {
                        json.key("parameters")
                        json.value(parameters)
                    }
                    if let strict { json.member("strict", strict) }
                }
            }
        case .other(let object):
            json.value(.object(object))
        }
    }
}

extension ResponseFormat {
    init(openAI value: JSONValue) throws(ChatRequestFormatError) {
        guard let object = value.object, let type = object["type"]?.string else {
            throw ChatRequestFormatError("'response_format' must be an object with a 'type'")
        }
        switch type {
        case "text" where object.count == 1: self = .text
        case "json_object" where object.count == 1: self = .jsonObject
        case "json_schema":
            guard let format = object["json_schema"]?.object, let name = format["name"]?.string else {
                throw ChatRequestFormatError("'response_format.json_schema' must be an object with a 'name'")
            }
            if object.count == 2, let schema = format["schema"],
                format.allSatisfy({ ["name", "schema", "strict", "description"].contains($0.key) })
            {
                self = .jsonSchema(name: name, schema: schema, strict: format["strict"]?.bool,
                                   description: format["description"]?.string)
            } else {
                self = .other(object)
            }
        default: self = .other(object)
        }
    }

    /// Whether the answer must be JSON matching a schema (`json_schema`, or a format the gateway does
    /// not know, which it treats as the strictest).
    var isStructured: Bool {
        switch self {
        case .jsonSchema, .other: return true
        case .text, .jsonObject: return false
        }
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .text:
            json.object { json in json.member("type", "text") }
        case .jsonObject:
            json.object { json in json.member("type", "json_object") }
        case .jsonSchema(let name, let schema, let strict, let description):
            json.object { json in
                json.member("type", "json_schema")
                json.key("json_schema")
                json.object { json in
                    json.member("name", name)
                    json.member("description", ifPresent: description)
                    json.key("schema")
                    json.value(schema)
                    if let strict { json.member("strict", strict) }
                }
            }
        case .other(let object):
            json.value(.object(object))
        }
    }
}
