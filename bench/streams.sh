#!/usr/bin/env bash
# Streaming at scale (issue 16 §1). Run by hand, never in CI.
#
# LLM traffic is long streams, not tiny bodies at full speed. This holds 100, 1,000 and 2,000 concurrent
# streamed chat requests, each a few hundred events paced like token generation, and relays them through
#   - direct:      StreamLoad → PacedUpstream (the baseline every "added" figure is measured against)
#   - nginx:       nginx as a reverse proxy (bench/nginx/proxy.conf: keep-alive upstream pool, no buffering)
#   - nio-relay:   the minimal SwiftNIO relay (bench/floor NIORelay)
#   - switchboard: `switchboard serve` with bench/streams-providers.yaml
# all in the same run, on this machine, sharing its cores. For each relay and stream count it reports the
# relay's CPU per relayed event and per stream (/proc/PID/stat), its RSS per open stream (peak VmRSS
# during the run minus VmRSS after the warm-up, divided by the streams), the added time to first event p50/p99
# and first token (the first event with text), the added gap between events p99 (relay minus direct), and
# errors.
#
# The ends are in bench/floor: PacedUpstream streams N chat.completion.chunk events G ms apart (each its
# own write), StreamLoad opens the streams spread over the ramp and times every event as it arrives.
#
#   bash bench/streams.sh [options]
#     --streams "N…"      concurrent stream counts (default "100 1000 2000")
#     --events N          content events per answer (default 300)
#     --interval-ms G     gap between events at the upstream (default 33: ~30 tokens a second)
#     --ramp-ms R         streams start spread over R ms (default 2000)
#     --relays "…"        which relays (default "direct nginx nio-relay switchboard")
#     --bin PATH          use this switchboard binary instead of building one
#     --baseline-bin PATH also run this other switchboard binary as relay "baseline", in the same run
#                         (an A/B of two builds: its figures beside the new one's, and the ratio)
#     --scratch-path DIR  SwiftPM build folder for switchboard (default .build)
#     --floor-scratch-path DIR  SwiftPM build folder for bench/floor (default bench/floor/.build)
#     --log-level L       switchboard's --log-level (default info)
#
# Needs nginx, curl, python3 (nginx installed with apt-get when missing) and a file-descriptor limit of
# at least 3 × the largest stream count (raised with ulimit -n when the hard limit allows). Ports
# 18490-18493 must be free. Every process it starts is stopped by PID on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
out=$root/bench/out/streams
streams="100 1000 2000" events=300 interval=33 ramp=2000 relays="direct nginx nio-relay switchboard"
bin="" baseline_bin="" scratch=.build floor_scratch=bench/floor/.build log_level=info
fail() { echo "streams.sh: $*" >&2; exit 1; }
while (($#)); do
    case $1 in
        --streams) streams=$2; shift ;;
        --events) events=$2; shift ;;
        --interval-ms) interval=$2; shift ;;
        --ramp-ms) ramp=$2; shift ;;
        --relays) relays=$2; shift ;;
        --bin) bin=$2; shift ;;
        --baseline-bin) baseline_bin=$2; shift ;;
        --scratch-path) scratch=$2; shift ;;
        --floor-scratch-path) floor_scratch=$2; shift ;;
        --log-level) log_level=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown option $1 (see --help)" ;;
    esac
    shift
done

upstream_port=18490 proxy_port=18491 nio_port=18492 gw_port=18493 baseline_port=18494
[[ -n $baseline_bin ]] && relays="$relays baseline"
largest=$(tr ' ' '\n' <<<"$streams" | sort -n | tail -1)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= 3 * largest + 100)) || fail "the file-descriptor limit $(ulimit -n) is too low for $largest streams"

source bench/processes.sh
rss_kb() {  # rss_kb PID…: VmRSS summed
    local pid total=0
    for pid in "$@"; do total=$((total + $(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status"))); done
    echo "$total"
}

# --- build --------------------------------------------------------------------------------------------------
command -v nginx >/dev/null || {
    sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
}
for tool in nginx curl python3; do command -v $tool >/dev/null || fail "$tool is missing"; done
echo "building bench/floor (release)" >&2
swift build -c release --package-path bench/floor --scratch-path "$floor_scratch" >&2 || fail "bench/floor does not build"
floor_bin=$(swift build -c release --package-path bench/floor --scratch-path "$floor_scratch" --show-bin-path)
if [[ -z $bin && $relays == *switchboard* ]]; then
    echo "building switchboard (release, $scratch)" >&2
    swift build -c release --product switchboard --scratch-path "$scratch" >&2
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/switchboard
fi
for port in $upstream_port $proxy_port $nio_port $gw_port $baseline_port; do port_busy $port && fail "port $port is in use"; done
mkdir -p "$out/nginx/tmp"
: > "$out/results.jsonl"

# --- the paced upstream and the relays ----------------------------------------------------------------------
"$floor_bin/PacedUpstream" --port $upstream_port --events "$events" --interval-ms "$interval" >"$out/upstream.log" 2>&1 &
pids+=($!)
wait_port $upstream_port "${pids[-1]}" 10 || fail "PacedUpstream did not start: $(tail -5 "$out/upstream.log")"

declare -A url cpu_pids
url[direct]=http://127.0.0.1:$upstream_port/v1/chat/completions
cpu_pids[direct]=""
for relay in $relays; do
    case $relay in
        direct) ;;
        nginx)
            sed "s/@LISTEN@/$proxy_port/; s/@UPSTREAM@/$upstream_port/" bench/nginx/proxy.conf >"$out/nginx/proxy.conf"
            : > "$out/nginx/error.log"
            nginx -p "$out/nginx/" -c "$out/nginx/proxy.conf" -e "$out/nginx/error.log" &
            pids+=($!)
            wait_port $proxy_port "${pids[-1]}" 10 || fail "nginx did not start: $(tail -5 "$out/nginx/error.log")"
            sleep 0.2
            cpu_pids[nginx]="${pids[-1]} $(pgrep -P "${pids[-1]}" | tr '\n' ' ')"
            url[nginx]=http://127.0.0.1:$proxy_port/v1/chat/completions ;;
        nio-relay)
            "$floor_bin/NIORelay" $nio_port "${url[direct]}" 2 >"$out/nio-relay.log" 2>&1 &
            pids+=($!)
            wait_port $nio_port "${pids[-1]}" 10 || fail "NIORelay did not start: $(tail -5 "$out/nio-relay.log")"
            cpu_pids[nio-relay]=${pids[-1]}
            url[nio-relay]=http://127.0.0.1:$nio_port/v1/chat/completions ;;
        switchboard|baseline)
            serve_bin=$bin port=$gw_port
            [[ $relay == baseline ]] && serve_bin=$baseline_bin port=$baseline_port
            BENCH_PACED_KEY=sk-bench-paced "$serve_bin" serve --config bench/streams-providers.yaml --port $port \
                --log-level "$log_level" >"$out/$relay.log" 2>&1 &
            pids+=($!)
            for _ in $(seq 3000); do
                [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]] && break
                kill -0 "${pids[-1]}" 2>/dev/null || fail "$relay exited: $(tail -5 "$out/$relay.log")"
                sleep 0.02
            done
            cpu_pids[$relay]=${pids[-1]}
            url[$relay]=http://127.0.0.1:$port/v1/chat/completions ;;
        *) fail "unknown relay $relay (direct, nginx, nio-relay, switchboard; baseline with --baseline-bin)" ;;
    esac
done

# A short warm-up through each relay (connections, caches, lazy initialisation), not measured.
for relay in $relays; do
    "$floor_bin/StreamLoad" --url "${url[$relay]}" --streams 20 --ramp-ms 200 >/dev/null 2>"$out/warmup-$relay.err" \
        || fail "warm-up through $relay failed: $(tail -3 "$out/warmup-$relay.err")"
done

# --- load ---------------------------------------------------------------------------------------------------
# RSS per stream is measured from each relay's RSS after the warm-up: memory a relay keeps after a run
# (allocator caches, pooled connections) counts against the next, larger run too, not for free.
declare -A rss_start
for relay in $relays; do
    # shellcheck disable=SC2086
    set -- ${cpu_pids[$relay]}
    rss_start[$relay]=0
    (($#)) && rss_start[$relay]=$(rss_kb "$@")
done
clk_tck=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for count in $streams; do
    for relay in $relays; do
        echo "  $relay: $count streams × $events events every ${interval} ms, ramp ${ramp} ms" >&2
        # shellcheck disable=SC2086
        set -- ${cpu_pids[$relay]}
        rss_before=${rss_start[$relay]} before=0
        if (($#)); then before=$(cpu_ticks "$@"); fi
        peak_file=$out/peak-$relay-$count
        echo "$rss_before" >"$peak_file"
        sampler=""
        if (($#)); then
            (peak=$rss_before; while sleep 0.2; do r=$(rss_kb "$@" 2>/dev/null) || break
                ((r > peak)) && { peak=$r; echo "$peak" >"$peak_file"; }; done) &
            sampler=$!
            pids+=("$sampler")
        fi
        result=$("$floor_bin/StreamLoad" --url "${url[$relay]}" --streams "$count" --ramp-ms "$ramp" --timeout-s 600 \
            2>"$out/load-$relay-$count.err") || fail "StreamLoad through $relay: $(tail -3 "$out/load-$relay-$count.err")"
        after=0
        (($#)) && after=$(cpu_ticks "$@")
        if [[ -n $sampler ]]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; fi
        printf '{"relay":"%s","count":%s,"cpu_s":%s,"rss_before_kb":%s,"rss_peak_kb":%s,"load":%s}\n' \
            "$relay" "$count" "$(awk -v t=$((after - before)) -v hz="$clk_tck" 'BEGIN {printf "%.3f", t / hz}')" \
            "$rss_before" "$(cat "$peak_file")" "$result" >>"$out/results.jsonl"
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------------------------------------------
python3 - "$out/results.jsonl" "$events" "$interval" "$ramp" "$(nproc)" "$load_before" "$load_after" <<'EOF' | tee "$out/streams-summary.txt"
import json, sys
path, events, interval, ramp, cores, load_before, load_after = sys.argv[1:]
rows = [json.loads(line) for line in open(path)]
print(f"\nStreaming at scale - {cores} cores, {events} events per answer every {interval} ms, streams started over {ramp} ms")
print(f"load average before: {load_before}; after: {load_after}")
print("added (+, µs) = relay minus direct, same stream count, same run; TTFE = time to first event, TTFT = to the")
print("first event with text (a gateway that holds the role-only first event back for failover adds a gap to")
print("TTFE, not to TTFT); CPU and RSS are the relay's own processes\n")
header = f"{'relay':<12} {'streams':>7} {'ok':>6} {'errors':>6} {'events':>9} {'CPU us/event':>12} {'CPU ms/stream':>13} {'RSS KB/stream':>13} {'peak MB':>7} {'+TTFE p50':>10} {'+TTFE p99':>10} {'+TTFT p50':>10} {'+TTFT p99':>10} {'+gap p99':>9} {'gap p99':>8}"
print(header)
direct = {r["count"]: r["load"] for r in rows if r["relay"] == "direct"}
by = {}
for r in rows:
    load, count = r["load"], r["count"]
    base = direct.get(count)
    events_total = max(load["events"], 1)
    relay = r["relay"]
    own = relay != "direct"
    cpu_event = f"{r['cpu_s'] * 1e6 / events_total:.1f}" if own else "-"
    cpu_stream = f"{r['cpu_s'] * 1e3 / count:.2f}" if own else "-"
    rss = f"{(r['rss_peak_kb'] - r['rss_before_kb']) / count:.1f}" if own else "-"
    peak = f"{r['rss_peak_kb'] / 1024:.0f}" if own else "-"
    added = lambda key: f"{load[key] - base[key]}" if (own and base) else "-"
    print(f"{relay:<12} {count:>7} {load['ok']:>6} {load['errors']:>6} {load['events']:>9} {cpu_event:>12} {cpu_stream:>13} {rss:>13} {peak:>7} "
          f"{added('ttfe_p50_us'):>10} {added('ttfe_p99_us'):>10} {added('ttft_p50_us'):>10} {added('ttft_p99_us'):>10} {added('gap_p99_us'):>9} {load['gap_p99_us']:>8}")
    if load["errors"]:
        print(f"{'':<12} errors: {json.dumps(load.get('error_kinds', {}))}")
    by[(relay, count)] = r
print()
for count in sorted({r["count"] for r in rows}):
    sb, nio = by.get(("switchboard", count)), by.get(("nio-relay", count))
    if sb and nio and nio["cpu_s"] > 0:
        per = lambda r: r["cpu_s"] / max(r["load"]["events"], 1)
        print(f"switchboard CPU per event / NIO relay's, {count} streams: {per(sb) / per(nio):.2f} (target <= 2)")
    base = by.get(("baseline", count))
    if sb and base and base["cpu_s"] > 0:
        per = lambda r: r["cpu_s"] / max(r["load"]["events"], 1)
        print(f"switchboard CPU per event / baseline's, {count} streams: {per(sb) / per(base):.2f}")
    if sb and count == 2000:
        mb = sb["rss_peak_kb"] / 1024
        ok = sb["load"]["errors"] == 0 and mb < 200
        print(f"switchboard at 2,000 streams: peak RSS {mb:.0f} MB, {sb['load']['errors']} errors (target: no error, < 200 MB): {'met' if ok else 'NOT met'}")
EOF
