#!/usr/bin/env bash
# Fuzz the configuration path (YAML loader, decoder, linter, formatters) with libFuzzer.
#
#   fuzz/run.sh [SECONDS] [JOBS]     default: 600 seconds, 1 job
#
# Builds fuzz/ (a package of its own, so normal builds never see the sanitizer flags), seeds the corpus
# from the lint fixtures, both providers.yaml files and fuzz/findings/, fuzzes for SECONDS, then prints
# the executions run, the coverage and any crash, timeout, OOM or slow-unit artifacts. The corpus lives
# on in $SCRATCH/corpus, so runs add up. Exit status: 0 if nothing was found, 1 if libFuzzer stopped on a
# finding, 2 on a build or setup error.
#
# Environment: FUZZ_SCRATCH (default .build-fuzz at the package root), FUZZ_NO_BUILD=1 to skip the build,
# FUZZ_MAX_LEN (65536), FUZZ_TIMEOUT (10 s a unit), FUZZ_RSS_MB (2048), FUZZ_SLOW (2: report units
# slower than this many seconds), FUZZ_ARGS (more libFuzzer flags).
set -euo pipefail

SECONDS_TO_RUN=${1:-600}
JOBS=${2:-1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/fuzz"
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
BINARY="$SCRATCH/release/ConfigFuzzer"

if [[ -z "${FUZZ_NO_BUILD:-}" ]]; then
    # -parse-as-library: no top-level code, libFuzzer's driver is the entry point (see FuzzerEntry.c).
    swift build -c release --package-path "$FUZZ" --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library || exit 2
fi
[[ -x "$BINARY" ]] || { echo "run.sh: no fuzzer at $BINARY" >&2; exit 2; }

CORPUS="$SCRATCH/corpus"
SEEDS="$SCRATCH/seeds"
ARTIFACTS="$SCRATCH/artifacts"
LOGS="$SCRATCH/logs"
mkdir -p "$CORPUS" "$ARTIFACTS" "$LOGS"
rm -rf "$SEEDS" && mkdir -p "$SEEDS"
# Seeds: regular files only (Fixtures/lint/io-error.yaml is a directory on purpose).
for file in "$ROOT"/Tests/SwitchboardConfigTests/Fixtures/lint/*.yaml "$ROOT/providers.yaml" \
    "$ROOT/Tests/client/providers.yaml" "$FUZZ"/findings/*; do
    [[ -f "$file" ]] || continue
    cp "$file" "$SEEDS/$(echo "${file#"$ROOT"/}" | tr '/' '_')"
done

LOG="$LOGS/run-$(date -u +%Y%m%dT%H%M%SZ).log"
FLAGS=(
    -max_total_time="$SECONDS_TO_RUN"
    -timeout="${FUZZ_TIMEOUT:-10}"
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
    -malloc_limit_mb="${FUZZ_RSS_MB:-2048}"
    -max_len="${FUZZ_MAX_LEN:-65536}"
    -report_slow_units="${FUZZ_SLOW:-2}"
    -dict="$FUZZ/yaml.dict"
    -artifact_prefix="$ARTIFACTS/"
    -print_final_stats=1
)
if (( JOBS > 1 )); then FLAGS+=(-fork="$JOBS"); fi
# shellcheck disable=SC2206
FLAGS+=(${FUZZ_ARGS:-})

echo "run.sh: fuzzing for ${SECONDS_TO_RUN}s with $JOBS job(s); log $LOG"
before=$(ls "$ARTIFACTS" | wc -l)
set +e
# detect_leaks: libFuzzer reports a leak as a finding (leak-* artifact).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    "$BINARY" "${FLAGS[@]}" "$CORPUS" "$SEEDS" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

echo
echo "==== summary ($LOG)"
grep -E '^#[0-9]+[[:space:]]+DONE|^stat::|Slowest unit|^#[0-9]+: cov:' "$LOG" | tail -12 || true
echo "corpus: $(ls "$CORPUS" | wc -l) files"
after=$(ls "$ARTIFACTS" | wc -l)
if (( after > before )) || (( status != 0 )); then
    echo "findings (libFuzzer exit $status), in $ARTIFACTS:"
    ls -lt "$ARTIFACTS" | head -20
    exit 1
fi
echo "findings: none"
