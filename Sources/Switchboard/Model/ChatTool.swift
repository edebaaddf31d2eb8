import SwitchboardJSON

/// A tool the model may call.
public enum ChatTool: Sendable, Hashable {
    /// A function: its name, what it does, and its parameters as a JSON Schema.
    case function(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil)
    /// Any other tool, as its JSON object, sent as it is.
    case other(JSONObject)
}

/// The shape the answer must take (`response_format`).
public enum ResponseFormat: Sendable, Hashable {
    case text
    /// Any JSON object.
    case jsonObject
    /// JSON matching `schema` (structured output).
    case jsonSchema(name: String, schema: JSONValue, strict: Bool? = nil, description: String? = nil)
    /// Any other format, as its JSON object, sent as it is.
    case other(JSONObject)
}
