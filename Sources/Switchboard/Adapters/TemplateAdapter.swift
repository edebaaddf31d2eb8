import Mustache
import SwitchboardConfig

/// Offline generation from the Mustache templates declared in providers.yaml. Deterministic, never
/// touches the network, never fails: the last resort that keeps the service answering.
///
/// Templates see `prompt` (the last user message), `system` (the system messages), and every request
/// variable (such as `topic`; absent variables render empty, and `{{#topic}}…{{/topic}}` shows a block
/// only when one was given). Text is not HTML-escaped.
public struct TemplateAdapter: ProviderAdapter {
    public static let declaration = AdapterDeclaration.template

    private let templates: [String: MustacheTemplate]
    private let defaultTemplate: String

    public init(provider: Provider, environment: AdapterEnvironment) throws {
        let sources = provider.options["templates"]?.stringMap ?? [:]
        guard !sources.isEmpty else {
            throw SwitchboardError(.configuration, "provider '\(provider.name)' declares no templates")
        }
        var templates: [String: MustacheTemplate] = [:]
        for (name, source) in sources {
            do {
                templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
            } catch {
                throw SwitchboardError(
                    .configuration, "template '\(name)' of provider '\(provider.name)' is not valid Mustache: \(error)")
            }
        }
        self.templates = templates
        self.defaultTemplate = provider.options["default_template"]?.string ?? sources.keys.min() ?? ""
    }

    public func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput {
        let name = call.target.parameters["template"]?.string ?? defaultTemplate
        let template = templates[name] ?? templates[defaultTemplate]
        let request = call.request
        var context: [String: String] = request.variables
        context["prompt"] = request.prompt
        context["system"] = request.messages.filter { $0.role == "system" }.map(\.content).joined(separator: "\n")
        let text = template?.render(context) ?? request.prompt
        return AdapterOutput(text: text, finishReason: .stop, usage: nil, model: nil)
    }

    public func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let output = try await complete(call)
        return AsyncThrowingStream { continuation in
            continuation.yield(ChatChunk(delta: output.text, finishReason: output.finishReason))
            continuation.finish()
        }
    }
}
