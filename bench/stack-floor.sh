#!/usr/bin/env bash
# The floor of Switchboard's own stack (issue 16). Run by hand, never in CI.
#
# How much of a plain request's CPU is the gateway's work, and how much is its stack? Builds, from the
# working tree's HEAD in a scratch clone with bench/stack-floor.patch applied, a `switchboard` whose chat
# handler relays the client's body to the mock upstream with the engine's own upstream client and writes
# the answer back: the same front (Hummingbird's HTTP/1 pipeline, ChatCompletionsChannelHandler, a task
# per request) and the same upstream client (keep-alive pools per event loop), with none of the gateway's
# work (no JSON parse, route, key, deadline, metrics, usage or answer check). Then measures, in rounds
# that alternate the three relays:
#   - the gateway (`switchboard serve`, plain route),
#   - the stack floor (the patched build),
#   - the minimal SwiftNIO relay (bench/floor's NIORelay),
# each at 32 connections (wrk -t2 -c32) and 1 connection (wrk -t1 -c1): CPU per request (/proc/PID/stat)
# and requests per second, with medians over the rounds and ratios to the NIO relay.
#
#   bash bench/stack-floor.sh [options]
#     --bin PATH         the gateway binary (default: build release from the working tree)
#     --floor-bin PATH   a stack-floor binary built earlier (default: build one; the clone is kept in
#                        bench/out/stack-floor-src, so a second run builds incrementally)
#     --rounds N         alternating rounds (default 3)
#     --duration S       measured seconds per case (default 5, after 1 s of warm-up)
#
# Needs nginx and wrk, like overhead.sh. Ports 18480 (nginx), 18481 (gateway), 18483 (NIO relay).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/bench/out
bin="" floor_bin="" rounds=3 duration=5
while (($#)); do
    case $1 in
        --bin) bin=$2; shift ;;
        --floor-bin) floor_bin=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --duration) duration=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "stack-floor.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
fail() { echo "stack-floor.sh: FAILED: $*" >&2; exit 1; }
source bench/processes.sh
for tool in nginx wrk curl git; do command -v $tool >/dev/null || fail "$tool is missing (see overhead.sh)"; done

if [[ -z $bin ]]; then
    swift build -c release --product switchboard >&2
    bin=$(swift build -c release --show-bin-path)/switchboard
fi
if [[ -z $floor_bin ]]; then
    src=$out/stack-floor-src
    if [[ -d $src/.git ]]; then
        git -C "$src" checkout -q -- . && git -C "$src" clean -qfd Sources
        git -C "$src" fetch -q "$root" HEAD && git -C "$src" checkout -q FETCH_HEAD
    else
        mkdir -p "$out" && git clone -q "$root" "$src"
    fi
    git -C "$src" apply "$root/bench/stack-floor.patch" \
        || fail "bench/stack-floor.patch no longer applies to HEAD: update it (it touches the chat handler's respond and the engine's upstream client)"
    echo "building the stack floor (release, $src)" >&2
    swift build -c release --product switchboard --package-path "$src" >&2
    floor_bin=$(swift build -c release --package-path "$src" --show-bin-path)/switchboard
fi
swift build -c release --package-path bench/floor --product NIORelay >&2
relay_bin=$(swift build -c release --package-path bench/floor --show-bin-path)/NIORelay
for b in "$bin" "$floor_bin" "$relay_bin"; do [[ -x $b ]] || fail "no binary at $b"; done

export BENCH_PLAIN_KEY=sk-bench-plain BENCH_SSE_KEY=sk-bench-sse BENCH_LIMITED_KEY=sk-bench-limited \
    BENCH_BROKEN_KEY=sk-bench-broken
unset SWITCHBOARD_API_TOKENS
for port in 18480 18481 18483; do port_busy $port && fail "port $port is in use"; done
mkdir -p "$out/nginx/tmp"
: > "$out/nginx/error.log"
nginx -p "$out/nginx/" -c "$root/bench/nginx/nginx.conf" -e "$out/nginx/error.log" &
pids+=($!)
wait_port 18480 "${pids[-1]}" 10 || fail "nginx did not start"
export STACK_FLOOR_UPSTREAM=http://127.0.0.1:18480/v1/chat/completions

start() {  # start NAME: sets pid and url
    case $1 in
        gateway|floor)
            local b=$bin; [[ $1 == floor ]] && b=$floor_bin
            "$b" serve --config bench/overhead-providers.yaml --port 18481 --log-level error >>"$out/stack-floor.log" 2>&1 &
            url=http://127.0.0.1:18481 ;;
        relay)
            "$relay_bin" 18483 "$STACK_FLOOR_UPSTREAM" 2 >>"$out/stack-floor.log" 2>&1 &
            url=http://127.0.0.1:18483 ;;
    esac
    pid=$!
    pids+=("$pid")
    wait_port "${url##*:}" "$pid" 30 || fail "$1 did not start: $(tail -3 "$out/stack-floor.log")"
}
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; forget "$pid"; }

results=$(mktemp)
for round in $(seq "$rounds"); do
    for relay in gateway floor relay; do
        start $relay
        for conns in 32 1; do
            threads=2; ((conns == 1)) && threads=1
            wrk -t$threads -c$conns -d1s -s bench/chat.lua "$url/v1/chat/completions" -- plain - >/dev/null
            t0=$(cpu_ticks "$pid")
            line=$(wrk -t$threads -c$conns -d"${duration}s" -s bench/chat.lua "$url/v1/chat/completions" -- plain - | grep '^BENCH')
            t1=$(cpu_ticks "$pid")
            requests=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
            rps=$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$line")
            bad=$(sed 's/.* non2xx=\([0-9]*\).*/\1/' <<<"$line")
            ((bad == 0 && requests > 0)) || fail "$relay, $conns connections: $bad non-2xx answers of $requests"
            cpu=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.1f", t / hz / n * 1e6}')
            echo "$relay $conns $cpu $rps" >>"$results"
            echo "round $round: $relay, $conns connections: $cpu µs CPU per request, $rps requests/s" >&2
        done
        stop
    done
done

python3 - "$results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    relay, conns, cpu, rps = line.split()
    rows[(relay, int(conns))].append((float(cpu), float(rps)))
med = {k: (statistics.median(c for c, _ in v), statistics.median(r for _, r in v)) for k, v in rows.items()}
names = {"gateway": "Switchboard `serve`, plain route", "floor": "Switchboard's stack, no gateway work",
         "relay": "minimal SwiftNIO relay (`NIORelay`)"}
print("| relay | CPU per request, 32 / 1 conns | ÷ NIO relay | requests/s, 32 conns | ÷ NIO relay |")
print("| --- | ---: | ---: | ---: | ---: |")
for relay in ("gateway", "floor", "relay"):
    c32, r32 = med[(relay, 32)]; c1, _ = med[(relay, 1)]
    b32, br = med[("relay", 32)]; b1, _ = med[("relay", 1)]
    print(f"| {names[relay]} | {c32:.0f} / {c1:.0f} µs | {c32 / b32:.2f} / {c1 / b1:.2f} | {r32:,.0f} | {r32 / br:.2f} |")
g32, f32, b32 = med[("gateway", 32)][0], med[("floor", 32)][0], med[("relay", 32)][0]
print(f"\nThe gateway's own work: {g32 - f32:.0f} µs per request at 32 connections; the stack under it: "
      f"{f32 - b32:.0f} µs over the NIO relay ({len(rows[('relay', 32)])} rounds, medians).")
PY
rm -f "$results"
