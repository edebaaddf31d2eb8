import SwitchboardConfig
import SwitchboardJSON

/// One part of a message's content.
public enum ContentPart: Sendable, Hashable {
    case text(String)
    /// An image by URL or `data:` URL; `detail` is `low`, `high` or `auto`.
    case imageURL(String, detail: String? = nil)
    /// Base64 audio and its format (`wav`, `mp3`).
    case inputAudio(data: String, format: String)
    /// Any other part (`file`, `refusal`, types of later API versions) as its JSON object, sent as it is.
    case other(JSONObject)

    /// The part's `type` as OpenAI names it.
    public var type: String {
        switch self {
        case .text: return "text"
        case .imageURL: return "image_url"
        case .inputAudio: return "input_audio"
        case .other(let object): return object["type"]?.string ?? ""
        }
    }

    /// What a target needs to receive this part; nil for text.
    var need: Capability? {
        switch type {
        case "text", "refusal": return nil
        case "image_url": return .vision
        case "input_audio": return .audio
        default: return .files
        }
    }

    /// The text parts joined with newlines (what a text-only adapter sees of the message).
    static func text(of parts: [ContentPart]) -> String {
        var texts: [String] = []
        for part in parts {
            switch part {
            case .text(let text): texts.append(text)
            case .other(let object) where object["type"]?.string == "refusal":
                if let refusal = object["refusal"]?.string { texts.append(refusal) }
            default: continue
            }
        }
        return texts.joined(separator: "\n")
    }
}
