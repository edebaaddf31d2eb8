import Testing

@testable import SwitchboardConfig

/// Long route lists are decoded in two halves on two cores; the configuration and the diagnostics must
/// be exactly those of a single pass.
struct SplitRouteDecodingTests {
    /// `routes` routes, every one of them with problems of several kinds, so that both halves report.
    private func text(routes: Int) -> String {
        var lines = [
            "version: 1",
            "key_pools:",
            "  main: { env: [MAIN_KEY] }",
            "providers:",
            "  alpha: { adapter: openai-chat, base_url: https://alpha.example.com/v1, key_pool: main }",
            "  beta: { adapter: hf-inference, base_url: https://beta.example.com/models, key_pool: main }",
            "  offline: { adapter: template, options: { templates: { text: 'Offline {{prompt}}' } } }",
            "routes:",
        ]
        for route in 0..<routes {
            lines.append("  route\(route):")
            switch route % 4 {
            case 0:
                lines.append("    - { provider: alpha, model: m\(route), priority: 1 }")
                lines.append("    - { provider: alpah, model: m, priority: 2 }")
            case 1:
                lines.append("    targets:")
                lines.append("      - { provider: beta, model: b\(route), priority: 1, parameters: { task: nope } }")
                lines.append("      - { provider: alpha, model: a, priority: 1, parameters: { max_tokens: many } }")
            case 2:
                lines.append("    policy: { deadline: 5s, attempt_timeout: 9s }")
                lines.append("    targets:")
                lines.append("      - { provider: offline, priority: 1, parameters: { template: txt } }")
                lines.append("      - { provider: alpha, model: late, priority: 2, extra: 1 }")
            default:
                lines.append("    targets: []")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(arguments: [64, 65, 301])
    func splitDecodingMatchesASinglePass(routes: Int) throws {
        let root = try YAMLParser.parse(text(routes: routes))
        var single = ConfigDecoder(catalog: .builtIn)
        single.splitsRoutes = false
        var split = ConfigDecoder(catalog: .builtIn)
        split.splitsRoutes = true
        let expected = single.decode(root)
        let actual = split.decode(root)
        #expect(actual == expected)
        #expect(actual.routes.map(\.name) == (0..<routes).map { "route\($0)" })
        #expect(split.diagnostics == single.diagnostics)
        #expect(split.hintBudget == single.hintBudget)
        // Problems were met in both halves.
        #expect(single.diagnostics.count > routes)
        #expect(single.diagnostics.contains { $0.message.contains("route 'route1'") })
        #expect((routes / 2..<routes).contains { route in
            single.diagnostics.contains { $0.message.contains("route 'route\(route)'") }
        })
    }

    /// Past the hint budget, messages go without "did you mean": the same ones as in a single pass, though
    /// each half alone is within it.
    @Test func theHintBudgetRunsOutWhereASinglePassRunsOut() throws {
        let root = try YAMLParser.parse(text(routes: 301))
        var single = ConfigDecoder(catalog: .builtIn)
        single.splitsRoutes = false
        var split = ConfigDecoder(catalog: .builtIn)
        split.splitsRoutes = true
        #expect(split.decode(root) == single.decode(root))
        #expect(split.diagnostics == single.diagnostics)
        #expect(single.hintBudget == 0)
        let hinted = single.diagnostics.filter { $0.message.contains("did you mean 'alpha'") }
        let unhinted = single.diagnostics.filter { $0.message.contains("'alpah'") && !$0.message.contains("did you mean") }
        #expect(!hinted.isEmpty && !unhinted.isEmpty)
    }
}
