#!/usr/bin/env python3
"""Writes a providers.yaml with N route targets in total (default 10,000), for the lint benchmark.

The file uses every part of the schema: key pools, providers of all three adapter types, a merge key,
routes with parameters and policies, and error rules. It lints clean (with warnings allowed).
"""
import sys

targets = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
per_route = 10
providers = 50
routes = (targets + per_route - 1) // per_route

out = ["version: 1", "key_pools:"]
for p in range(providers):
    out.append(f"  pool{p}: {{ env: [POOL{p}_KEY_1, POOL{p}_KEY_2, POOL{p}_KEY_3], prefix: sk- }}")
out += [
    "x-defaults: &defaults",
    "  timeouts: { connect: 5s, request: 30s }",
    "providers:",
]
for p in range(providers):
    adapter = "hf-inference" if p % 2 else "openai-chat"
    out += [
        f"  provider{p}:",
        "    <<: *defaults",
        f"    adapter: {adapter}",
        f"    base_url: https://provider{p}.example.com/v1",
        f"    key_pool: pool{p}",
    ]
out += [
    "  offline:",
    "    adapter: template",
    "    options: { templates: { text: 'Offline answer for {{prompt}}' } }",
    "routes:",
]
written = 0
for r in range(routes):
    out += [f"  route{r}:", "    policy: { deadline: 30s, attempt_timeout: 10s }", "    targets:"]
    count = min(per_route, targets - written)
    for t in range(count):
        written += 1
        if t == count - 1:
            out.append(f"      - {{ provider: offline, priority: {t + 1}, parameters: {{ template: text }} }}")
            continue
        p = (r * (per_route - 1) + t) % providers
        params = "{ task: text-generation, max_tokens: 512 }" if p % 2 else "{ max_tokens: 1024, temperature: 0.7 }"
        out.append(f"      - {{ provider: provider{p}, model: org/model-{r}-{t}, priority: {t + 1}, parameters: {params} }}")
out += [
    "error_rules:",
    "  - { class: rate_limited, match: { status: 429 }, action: next_key, cooldown: 30s, honor_retry_after: true }",
    "  - { class: unauthorized, match: { status: 401 }, action: next_key, disable_key: true }",
    "  - { class: server_error, match: { status_range: 500-599 }, action: next_target }",
]
print("\n".join(out))
