import Logging
import SwitchboardConfig

/// A route resolved at load time: each target with its provider, adapter and key ring, so a request
/// does no lookups by name.
struct CompiledRoute: Sendable {
    let route: Route
    let targets: [CompiledTarget]
    /// The engine's logger with this route's name in its metadata, made once at load: setting metadata
    /// per request makes the log handler re-render all of it, on every request.
    let logger: Logger
}

struct CompiledTarget: Sendable {
    let target: Target
    let provider: Provider
    let declaration: AdapterDeclaration
    let adapter: any ProviderAdapter
    /// Whether attempts need the engine's own deadline race: not for adapters that keep their deadlines.
    let needsDeadlineRace: Bool
    /// Nil for keyless providers.
    let keyRing: KeyRing?
    /// This target's round-robin counter in `keyRing` (`KeyRing.rotationSlot(for:)`), found at load.
    let rotationSlot: Int
    /// What cooldowns are scoped to: `provider/model`.
    let scope: String
    /// How ops call it in messages ("HuggingFace Router").
    let displayName: String
    /// The provider's concurrency limits; nil when it has none (or makes no network calls).
    let limiter: ProviderLimiter?
    /// What the target can serve (its `supports:`, its provider's, or its adapter's).
    let capabilities: Capabilities
    /// What its tokens cost: its own `price:`, else its provider's; nil when neither sets one. An
    /// offline target calls no upstream and costs nothing.
    var price: Price? { declaration.usesNetwork ? target.price ?? provider.price : .free }

    var model: String? { target.model }

    /// The scope of a target: `provider/model` (a model id may itself contain slashes).
    static func scope(provider: String, model: String?) -> String { provider + "/" + (model ?? "") }

    /// A scope's provider and model (empty for targets without one).
    static func split(scope: String) -> (provider: String, model: String) {
        guard let slash = scope.firstIndex(of: "/") else { return (scope, "") }
        return (String(scope[..<slash]), String(scope[scope.index(after: slash)...]))
    }
}
