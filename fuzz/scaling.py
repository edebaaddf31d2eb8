#!/usr/bin/env python3
"""Checks that linting time grows linearly with the input: an ordinary clean file (`generated-targets`,
from bench/generate_config.py) and the input shapes that once grew quadratically.

libFuzzer's mutations rarely build inputs large and regular enough to show a quadratic cost. This
script does it on purpose. For each shape it writes the input at sizes n, 2n and 4n, times
`switchboard-lint` on each (a plain release build, no sanitizers), and prints the time ratio per
doubling. A ratio near 2 is linear and near 4 is quadratic. It fails when the largest size takes longer
than `--budget` seconds, or when the last doubling costs more than 3x (and over a quarter second).

    fuzz/scaling.py                  # every shape; builds switchboard-lint into .build-fuzz-lint
    fuzz/scaling.py --list           # the shape names
    fuzz/scaling.py one-line-unknown-fields body-contains --base 2000
    fuzz/scaling.py --write DIR      # write each shape's smallest input to DIR (regression seeds)

The run times are wall-clock times, so run it on a quiet machine.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_line_unknown_fields(n):
    """n diagnostics on one long line: the text formatter redacted and split the line once per diagnostic."""
    return "{version: 1, " + ", ".join("k%d: 1" % i for i in range(n)) + "}\n"


def body_contains(n):
    """Two error rules whose body_contains strings have n and n/2 characters: covers() used String.contains."""
    return "\n".join([
        "version: 1",
        "x-a: &a " + "a" * n,
        "x-b: &b " + "a" * (n // 2) + "b",
        "error_rules:",
        "  - {class: one, match: {body_contains: *b}, action: fail}",
        "  - {class: two, match: {body_contains: *a}, action: fail}",
    ]) + "\n"


def unknown_provider(n):
    """n providers and n targets naming undeclared ones: names sorted and compared per target."""
    lines = ["version: 1", "providers:"]
    lines += ["  p%d: {adapter: template, options: {templates: {t: x}}}" % i for i in range(n)]
    lines += ["routes:", "  r:"]
    lines += ["    - {provider: q%d, priority: %d}" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def unknown_key_pool(n):
    """n key pools and n providers naming undeclared ones."""
    lines = ["version: 1", "key_pools:"]
    lines += ["  k%d: [V%d]" % (i, i) for i in range(n)]
    lines += ["providers:"]
    lines += ["  p%d: {adapter: openai-chat, base_url: 'https://x.example/v1', key_pool: j%d}" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def template_reference(n):
    """A template provider with n templates and n targets naming one (valid): names sorted per target."""
    lines = ["version: 1", "providers:", "  t:", "    adapter: template", "    options:", "      templates:"]
    lines += ["        a%d: x" % i for i in range(n)]
    lines += ["routes:"]
    lines += ["  r%d: [{provider: t, priority: 1, parameters: {template: a%d}}]" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def unknown_template_reference(n):
    """The same with undeclared template names: every message listed all n names."""
    lines = ["version: 1", "providers:", "  t:", "    adapter: template", "    options:", "      templates:"]
    lines += ["        a%d: x" % i for i in range(n)]
    lines += ["routes:"]
    lines += ["  r%d: [{provider: t, priority: 1, parameters: {template: b%d}}]" % (i, i) for i in range(n)]
    return "\n".join(lines) + "\n"


def check_env_variables(n):
    """One key pool listing n unset variables, with --check-env: each finding searched the source map."""
    return "version: 1\nkey_pools:\n  p: [" + ", ".join(["UNSET_FUZZ_VARIABLE"] * n) + "]\n"


def alias_targets(n):
    """n routes sharing, by alias, one list of 1000 bad targets: diagnostics grow with the alias budget."""
    lines = ["version: 1", "x-t: &t {provider: nope}", "x-l: &l [" + ", ".join(["*t"] * 1000) + "]", "routes:"]
    lines += ["  r%d: {targets: *l}" % i for i in range(n)]
    return "\n".join(lines) + "\n"


def generated_targets(n):
    """A clean providers.yaml with n route targets (bench/generate_config.py): the ordinary path, every part of the schema."""
    script = os.path.join(ROOT, "bench", "generate_config.py")
    return subprocess.run([sys.executable, script, str(n)], check=True, capture_output=True, text=True).stdout


# name: (generator, base size, extra lint arguments)
SHAPES = {
    "generated-targets": (generated_targets, 2500, []),
    "one-line-unknown-fields": (one_line_unknown_fields, 1000, []),
    "body-contains": (body_contains, 4000, ["--format", "json"]),
    "unknown-provider": (unknown_provider, 500, ["--format", "json"]),
    "unknown-key-pool": (unknown_key_pool, 500, ["--format", "json"]),
    "template-reference": (template_reference, 500, ["--format", "json"]),
    "unknown-template-reference": (unknown_template_reference, 500, ["--format", "json"]),
    "check-env-variables": (check_env_variables, 5000, ["--check-env", "--format", "json"]),
    "alias-targets": (alias_targets, 25, ["--format", "json"]),
}


def build(scratch):
    subprocess.run(
        ["swift", "build", "-c", "release", "--product", "switchboard-lint", "--scratch-path", scratch],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(scratch, "release", "switchboard-lint")


def timed(binary, path, extra, budget):
    start = time.monotonic()
    try:
        subprocess.run([binary, *extra, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=budget * 10, env={k: v for k, v in os.environ.items() if k != "UNSET_FUZZ_VARIABLE"})
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shapes", nargs="*", help="shapes to check (default: all)")
    parser.add_argument("--base", type=int, help="smallest size n (default: per shape)")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds allowed for the largest size (default 2)")
    parser.add_argument("--binary", help="a switchboard-lint to use instead of building one")
    parser.add_argument("--scratch", default=os.path.join(ROOT, ".build-fuzz-lint"))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--write", metavar="DIR", help="write each shape's input at its base size, then exit")
    args = parser.parse_args()

    names = args.shapes or list(SHAPES)
    unknown = [name for name in names if name not in SHAPES]
    if args.list or unknown:
        if unknown:
            print("unknown shape(s): " + ", ".join(unknown), file=sys.stderr)
        for name, (generator, base, _) in SHAPES.items():
            print("%-28s n=%-6d %s" % (name, base, generator.__doc__))
        return 2 if unknown else 0
    if args.write:
        os.makedirs(args.write, exist_ok=True)
        for name in names:
            generator, base, _ = SHAPES[name]
            with open(os.path.join(args.write, "scaling-%s.yaml" % name), "w") as file:
                file.write(generator(args.base or base))
        return 0

    binary = args.binary or build(args.scratch)
    failed = []
    with tempfile.TemporaryDirectory(prefix="switchboard-scaling-") as folder:
        for name in names:
            generator, base, extra = SHAPES[name]
            base = args.base or base
            times = []
            for size in (base, base * 2, base * 4):
                path = os.path.join(folder, "%s-%d.yaml" % (name, size))
                with open(path, "w") as file:
                    file.write(generator(size))
                times.append((size, os.path.getsize(path), timed(binary, path, extra, args.budget)))
            ratio = times[2][2] / max(times[1][2], 1e-3)
            verdict = "ok"
            # Below a quarter second, process start-up and noise decide the ratio.
            if times[2][2] > args.budget or (ratio > 3.0 and times[2][2] > 0.25):
                verdict = "SLOW"
                failed.append(name)
            cells = "  ".join("n=%d (%d KB) %.2fs" % (size, length // 1024, seconds) for size, length, seconds in times)
            print("%-28s %s  last doubling x%.1f  %s" % (name, cells, ratio, verdict), flush=True)
    if failed:
        print("slower than linear or over budget: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
