#!/usr/bin/env bash
# Lint benchmark: release-build `switchboard-lint` on a generated 10,000-target providers.yaml.
# Reports wall time (median of RUNS, the cases taking turns) and peak RSS, next to baselines measured in
# the same run:
# the same binary on the small root providers.yaml (process start-up), a C program that only runs
# libyaml's event parser over the big file (the floor: no tree, no schema, no checks), and PyYAML's
# libyaml-backed CSafeLoader loading the big file.
#
#   bash bench/lint.sh [TARGETS] [RUNS]     (defaults: 10000 targets, 15 runs)
#   LINT_BIN=path/to/switchboard-lint bash bench/lint.sh 1000   (time that binary instead of building one)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-10000}
runs=${2:-15}
out=bench/out
mkdir -p "$out"

if [[ -n "${LINT_BIN:-}" ]]; then
    bin=$LINT_BIN
else
    swift build -c release --product switchboard-lint >/dev/null
    bin=$(swift build -c release --show-bin-path)/switchboard-lint
fi
python3 bench/generate_config.py "$targets" > "$out/providers-$targets.yaml"
gcc -O2 -o "$out/yaml_events" bench/yaml_events.c -lyaml
big="$out/providers-$targets.yaml"

# Wall-clock microseconds of one run of a command.
run_us() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
}

# Median, in milliseconds, of a list of microsecond figures.
median_ms() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }

peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
# CPU time (user + system) of one run, in milliseconds: above the wall time when a second core helps.
cpu_ms() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", ($1 + $2) * 1000}'; }

"$bin" "$big" >/dev/null || { echo "the generated file does not lint clean:"; "$bin" "$big" | tail -5; exit 1; }

# The cases take turns, run by run, so that a burst of load on this shared machine hits all of them
# alike; PyYAML (seconds a run) is timed apart, fewer times.
small=(); large=(); floor=()
for _ in $(seq "$runs"); do
    small+=("$(run_us "$bin" providers.yaml)")
    large+=("$(run_us "$bin" "$big")")
    floor+=("$(run_us "$out/yaml_events" "$big")")
done
small_ms=$(median_ms "${small[@]}")
big_ms=$(median_ms "${large[@]}")
libyaml_ms=$(median_ms "${floor[@]}")
python=()
for _ in $(seq 3); do
    python+=("$(run_us python3 -c "import yaml,sys; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)" "$big")")
done
pyyaml_ms=$(median_ms "${python[@]}")
small_kb=$(peak_kb "$bin" providers.yaml)
big_kb=$(peak_kb "$bin" "$big")
big_cpu=$(cpu_ms "$bin" "$big")

printf '\nswitchboard-lint, release build, median wall time of %s interleaved runs (PyYAML: 3) (%s, %s cores)\n' \
    "$runs" "$(uname -m)" "$(nproc)"
printf '%-48s %10s %12s\n' "case" "time (ms)" "peak RSS (MB)"
printf '%-48s %10s %12s\n' "root providers.yaml ($(wc -l < providers.yaml) lines)" "$small_ms" "$(awk "BEGIN {printf \"%.1f\", $small_kb/1024}")"
printf '%-48s %10s %12s\n' "generated, $targets targets ($(wc -l < "$big") lines)" "$big_ms" "$(awk "BEGIN {printf \"%.1f\", $big_kb/1024}")"
printf '%-48s %10s %12s\n' "  CPU time of one such run (user + system)" "$big_cpu" "-"
printf '%-48s %10s %12s\n' "baseline: libyaml events only (C), same file" "$libyaml_ms" "-"
printf '%-48s %10s %12s\n' "baseline: PyYAML CSafeLoader load, same file" "$pyyaml_ms" "-"
printf '\nratios: generated lint / libyaml events = %s;  / PyYAML load = %s;  / root lint = %s\n' \
    "$(awk "BEGIN {printf \"%.2f\", $big_ms/$libyaml_ms}")" "$(awk "BEGIN {printf \"%.2f\", $big_ms/$pyyaml_ms}")" \
    "$(awk "BEGIN {printf \"%.2f\", $big_ms/$small_ms}")"
printf 'bar: a 1,000-target file under 100 ms; time linear in file size (fuzz/scaling.py)\n'
