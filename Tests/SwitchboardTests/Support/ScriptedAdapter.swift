import Synchronization
import Switchboard
import SwitchboardConfig

/// An in-memory adapter: each provider names a script (`options: { script: NAME }`) that answers every
/// call, so failover decisions are tested without a socket. Scripts are registered per test under
/// names of their own.
struct ScriptedAdapter: ProviderAdapter {
    typealias Script = @Sendable (AdapterCall) async throws(UpstreamFailure) -> AdapterOutput

    static let declaration = AdapterDeclaration(
        name: "scripted", summary: "Answers from a script registered by the test.",
        options: [OptionSpec("script", .string, required: true, summary: "The registered script's name.")],
        usesNetwork: true, requiresKeys: false, capabilities: .all)

    private static let scripts = Mutex<[String: Script]>([:])

    /// Registers `script` and returns its name for providers.yaml.
    static func register(_ script: @escaping Script) -> String {
        let name = "script-\(UInt64.random(in: 0...UInt64.max))"
        scripts.withLock { $0[name] = script }
        return name
    }

    static var registry: AdapterRegistry {
        var registry = AdapterRegistry.builtIn
        registry.register(ScriptedAdapter.self)
        return registry
    }

    private let script: Script

    init(provider: Provider, environment: AdapterEnvironment) throws {
        let name = provider.options["script"]?.string ?? ""
        guard let script = Self.scripts.withLock({ $0[name] }) else {
            throw SwitchboardError(.configuration, "no script named '\(name)'")
        }
        self.script = script
    }

    func complete(_ call: AdapterCall) async throws(UpstreamFailure) -> AdapterOutput { try await script(call) }

    func stream(_ call: AdapterCall) async throws(UpstreamFailure) -> AsyncThrowingStream<ChatChunk, any Error> {
        let output = try await script(call)
        return AsyncThrowingStream { continuation in
            continuation.yield(ChatChunk(delta: output.text, finishReason: .stop, usage: output.usage))
            continuation.finish()
        }
    }
}

/// The calls a script received, by key label, in order.
final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])

    func add(_ call: AdapterCall) { calls.withLock { $0.append(call.key?.label ?? "-") } }
    var keys: [String] { calls.withLock { $0 } }
}
