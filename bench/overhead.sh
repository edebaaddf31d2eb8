#!/usr/bin/env bash
# Gateway overhead benchmark (issue 5 §1). Run by hand, never in CI.
#
# One command: builds switchboard in release mode, starts a mock OpenAI upstream (nginx, config in
# bench/nginx/nginx.conf, answers fixed bodies on 127.0.0.1:18480) and `switchboard serve` with
# bench/overhead-providers.yaml, then measures with wrk (bench/chat.lua):
#   - direct (wrk → nginx) against gateway (wrk → switchboard → nginx), non-streaming and streaming,
#     at 1 connection (-t1 -c1) and 32 connections (-t2 -c32), after a warm-up;
#   - the failover route (429 with Retry-After, then 200: the key cools after the first 429 and later
#     requests skip it, the steady state issue 5's target is about) and the worst case (500, then 200,
#     nothing cooled: every request pays the failed call) against the plain route at 1 connection;
#   - the gateway's CPU time per request (/proc/PID/stat), idle RSS after start-up (VmRSS) and peak RSS
#     (VmHWM, after the 32-connection runs), start-up time (process start to /readyz 200, median of N);
#   - the cost of usage recording (issue 7): the plain cases again against a second gateway whose
#     providers.yaml adds a `usage:` store (SQLite in bench/out/), CPU per request with the store on
#     against the same cases with it off, from the same run (--usage-runs 0 skips it);
#   - the cost of shared state (issue 17), with --state-runs 1: the plain cases again against a gateway
#     whose providers.yaml adds `state:` (a throwaway PostgreSQL cluster from Tests/postgres/cluster.sh,
#     every request's usage written to it), CPU per request and p50 with it on against off, same run;
#   - `switchboard lint` on the generated 10,000-target providers.yaml (bench/generate_config.py);
# and prints one table, each figure next to its target. It fails loudly when any 200 path sees a
# non-2xx answer or a socket error. Every process it starts is stopped by PID on exit.
#
#   bash bench/overhead.sh [options]
#     --duration S        measured seconds per case (default 10)
#     --warmup S          warm-up seconds before each case (default 3)
#     --startup-runs N    starts timed for the start-up figure (default 5)
#     --lint-runs N       runs of the 10,000-target lint (default 5; 0 skips it)
#     --floor             also measure the floor (bench/floor, built in release) at 1 and 32 connections
#                         with CPU per request: Hummingbird answering a fixed body, Hummingbird relaying
#                         to the mock through AsyncHTTPClient, a minimal SwiftNIO relay (NIORelay), and
#                         nginx as a keep-alive reverse proxy (bench/nginx/proxy.conf); the gateway's
#                         figures are also given as ratios to the NIO relay's (issue 16's targets)
#     --usage-runs N      1 (default) measures plain 1 and 32 connections again with usage recording on; 0 skips it
#     --state-runs N      1 measures plain 1 and 32 connections again with state: (PostgreSQL) on; 0 (default) skips it
#     --soak [S]          also run S seconds (default 300) of mixed load (plain, streaming, failover) and
#                         sample the gateway's RSS every 10 s, to show it does not grow
#     --profile callgrind|perf
#                         instead of the table: profile the gateway under wrk -t1 -c1 on one route
#                         (valgrind --tool=callgrind, or perf record -e cpu-clock --call-graph dwarf) and
#                         print the top self and inclusive functions
#     --profile-route R   route for --profile (default plain; e.g. streaming, failover)
#     --profile-duration S  seconds of load for --profile (default 10 for callgrind, 5 for perf)
#     --log-level L       switchboard's --log-level (default info, as deployed)
#     --scratch-path DIR  SwiftPM build folder (default .build)
#     --bin PATH          use this switchboard binary instead of building one
#     --serve-arg ARG     pass ARG to `switchboard serve` (repeatable), e.g. --serve-arg --no-event-loop-executor
#
# Needs nginx and wrk (installed with apt-get when missing), curl, python3; valgrind or perf for
# --profile. Ports 18480 (nginx, fixed in the two config files) and 18481 (the gateway) must be free.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/bench/out
nginx_port=18480
gw_port=18481

duration=10 warmup=3 startup_runs=5 lint_runs=5 usage_runs=1 state_runs=0 floor=0 soak=0 profile="" profile_route=plain profile_duration=""
log_level=info scratch=.build bin="" serve_args=()
while (($#)); do
    case $1 in
        --duration) duration=$2; shift ;;
        --warmup) warmup=$2; shift ;;
        --startup-runs) startup_runs=$2; shift ;;
        --lint-runs) lint_runs=$2; shift ;;
        --usage-runs) usage_runs=$2; shift ;;
        --state-runs) state_runs=$2; shift ;;
        --floor) floor=1 ;;
        --soak) if [[ ${2:-} =~ ^[0-9]+$ ]]; then soak=$2; shift; else soak=300; fi ;;
        --profile) profile=$2; shift ;;
        --profile-route) profile_route=$2; shift ;;
        --profile-duration) profile_duration=$2; shift ;;
        --log-level) log_level=$2; shift ;;
        --scratch-path) scratch=$2; shift ;;
        --bin) bin=$2; shift ;;
        --serve-arg) serve_args+=("$2"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "overhead.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case $profile in ""|callgrind|perf) ;; *) echo "overhead.sh: --profile takes callgrind or perf" >&2; exit 2 ;; esac

fail() { echo "overhead.sh: FAILED: $*" >&2; exit 1; }

source bench/processes.sh
on_cleanup() { if declare -F postgres_cluster_stop >/dev/null; then postgres_cluster_stop; fi; }

# --- tools ------------------------------------------------------------------------------------------------
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    echo "installing nginx and wrk with apt-get" >&2
    sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx wrk >/dev/null
fi
for tool in nginx wrk curl python3; do command -v $tool >/dev/null || fail "$tool is missing"; done
case $profile in
    callgrind) command -v valgrind >/dev/null || fail "valgrind is missing (apt-get install valgrind)" ;;
    perf) command -v perf >/dev/null || fail "perf is missing (apt-get install linux-perf)" ;;
esac

if [[ -z $bin ]]; then
    echo "building switchboard (release, $scratch)" >&2
    swift build -c release --product switchboard --scratch-path "$scratch" >&2
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/switchboard
    build="release build"
else
    build="binary $bin"
fi
[[ -x $bin ]] || fail "no switchboard binary at $bin"

mkdir -p "$out/nginx/tmp"
config=bench/overhead-providers.yaml
export BENCH_PLAIN_KEY=sk-bench-plain BENCH_SSE_KEY=sk-bench-sse BENCH_LIMITED_KEY=sk-bench-limited \
    BENCH_BROKEN_KEY=sk-bench-broken
unset SWITCHBOARD_API_TOKENS
"$bin" lint --strict "$config" >&2 || fail "$config does not lint clean"

for port in $nginx_port $gw_port; do port_busy $port && fail "port $port is in use"; done

# --- the mock upstream ------------------------------------------------------------------------------------
: > "$out/nginx/error.log"
nginx -p "$out/nginx/" -c "$root/bench/nginx/nginx.conf" -e "$out/nginx/error.log" &
pids+=($!)
wait_port $nginx_port "${pids[-1]}" 10 || fail "nginx did not start: $(tail -5 "$out/nginx/error.log")"

direct=http://127.0.0.1:$nginx_port
gateway=http://127.0.0.1:$gw_port
gwlog=$out/switchboard.log
: > "$gwlog"
# serve_with CONFIG: sets `serve`, the gateway's command line for that configuration.
serve_with() { serve=("$bin" serve --config "$1" --port "$gw_port" --log-level "$log_level" ${serve_args[@]+"${serve_args[@]}"}); }
serve_with "$config"

start_gateway() {  # start_gateway [wrapper…]: starts serve (under the wrapper), sets gw_pid
    "$@" "${serve[@]}" >>"$gwlog" 2>&1 &
    gw_pid=$!
    pids+=("$gw_pid")
    local i
    for i in $(seq 6000); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$gateway/readyz" 2>/dev/null) == 200 ]] && return 0
        kill -0 "$gw_pid" 2>/dev/null || fail "switchboard exited: $(tail -5 "$gwlog")"
        sleep 0.02
    done
    fail "switchboard: no 200 from /readyz in 120 s"
}
stop_gateway() {
    kill -TERM "$gw_pid" 2>/dev/null || true
    wait "$gw_pid" 2>/dev/null || true
    forget "$gw_pid"
}

chat_body() { printf '{"model":"%s","messages":[{"role":"user","content":"Explain server-sent events"}]%s}' "$1" "${2:+,\"stream\":true}"; }

# Each 200 path answers what the upstream sent, from the provider the route should reach.
sanity() {  # sanity URL MODEL STREAM EXPECTED_PROVIDER
    local headers body status provider
    headers=$(mktemp) body=$(mktemp)
    status=$(curl -s -D "$headers" -o "$body" -w '%{http_code}' -H 'content-type: application/json' \
        -d "$(chat_body "$2" "$3")" "$1/v1/chat/completions")
    provider=$(awk -F': ' 'tolower($1) == "x-switchboard-provider" {gsub(/\r/, "", $2); print $2}' "$headers")
    [[ $status == 200 ]] || fail "$1 model $2: HTTP $status: $(head -c 400 "$body")"
    grep -q 'Server-sent events' "$body" || fail "$1 model $2: unexpected body: $(head -c 400 "$body")"
    if [[ -n $3 ]]; then grep -q '^data: \[DONE\]' "$body" || fail "$1 model $2: stream without [DONE]"; fi
    [[ -z $4 || $provider == "$4" ]] || fail "$1 model $2: answered by '$provider', not $4"
    rm -f "$headers" "$body"
}

rss_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
clk_tck=$(getconf CLK_TCK)

# Frames every sample passes through (threads, dispatch, the event loop's run loop): left out of the
# inclusive lists so that they show where the time goes.
scaffolding='start_thread|clone3?$|_dispatch_|swift_job_run|runJobInEstablishedExecutorContext|SelectableEventLoop\.run|runTheLoop|withAutoReleasePool|setupThreadAndEventLoop|ThreadOpsPosix|NIOThread\) -> \(\)|0xffffffffffffffff|_start$|__libc_start|main$|PROGRAM TOTALS|Selector\.whenReady|runOneLoopTick'

# --- profile mode -----------------------------------------------------------------------------------------
if [[ -n $profile ]]; then
    stream=""; [[ $profile_route == streaming ]] && stream=stream
    case $profile in
        callgrind)
            profile_duration=${profile_duration:-10}
            cg=$out/callgrind.out
            rm -f "$cg"
            # valgrind 3.19 gives up on the Swift toolchain's DWARF ("possibly corrupted debuginfo"): profile a
            # copy without debug sections (the symbol table stays, so functions keep their names).
            # Known to fail with valgrind 3.19 (Debian 12) all the same: it crashes while reading
            # lib_FoundationICU.so, which serve links (switchboard-lint does not). Use --profile perf then.
            objcopy --strip-debug "$bin" "$out/switchboard-nodebug"
            serve[0]=$out/switchboard-nodebug
            start_gateway valgrind --tool=callgrind --callgrind-out-file="$cg"
            sanity "$gateway" "$profile_route" "$stream" ""
            wrk -t1 -c1 -d2s -s bench/chat.lua "$gateway/v1/chat/completions" -- "$profile_route" "${stream:--}" raw >/dev/null
            callgrind_control -z "$gw_pid" >/dev/null 2>&1 || echo "note: callgrind_control -z failed; the profile includes start-up" >&2
            result=$(wrk -t1 -c1 -d"${profile_duration}s" -s bench/chat.lua "$gateway/v1/chat/completions" -- "$profile_route" "${stream:--}" raw)
            echo "$result" | grep '^BENCH'
            stop_gateway
            for inclusive in no yes; do
                printf '\n== callgrind, route %s, wrk -t1 -c1 -d%ss, inclusive=%s (top 15) ==\n' "$profile_route" "$profile_duration" "$inclusive"
                callgrind_annotate --inclusive=$inclusive "$cg" 2>/dev/null | swift-demangle --simplified \
                    | awk '/^-+$/ {n++; next} n >= 3 && NF' | grep -Ev "$scaffolding" | head -15 || true
            done
            ;;
        perf)
            profile_duration=${profile_duration:-5}
            start_gateway
            sanity "$gateway" "$profile_route" "$stream" ""
            wrk -t1 -c1 -d"${warmup}s" -s bench/chat.lua "$gateway/v1/chat/completions" -- "$profile_route" "${stream:--}" raw >/dev/null
            perf record -q -F 999 -e cpu-clock --call-graph dwarf,16384 -p "$gw_pid" -o "$out/perf.data" \
                -- sleep "$profile_duration" 2>/dev/null &
            perf_pid=$!
            pids+=("$perf_pid")
            wrk -t1 -c1 -d"${profile_duration}s" -s bench/chat.lua "$gateway/v1/chat/completions" -- "$profile_route" "${stream:--}" raw | grep '^BENCH'
            wait "$perf_pid" || true
            forget "$perf_pid"
            # Threads merged (--sort sym); --no-inline keeps perf from running addr2line for minutes.
            report() { perf report -i "$out/perf.data" --no-inline --sort sym --stdio --no-call-graph --percent-limit 0.3 "$@" \
                2>/dev/null | grep -v '^#' | grep -v '^$' | swift-demangle --simplified; }
            printf '\n== perf cpu-clock, route %s, wrk -t1 -c1 -d%ss: self (top 15) ==\n' "$profile_route" "$profile_duration"
            report --no-children | head -15 || true
            printf '\n== inclusive (children), thread and event-loop scaffolding left out (top 15) ==\n'
            report --children | grep -Ev "$scaffolding" | head -15 || true
            ;;
    esac
    exit 0
fi

# --- start-up time, then the gateway that serves the load -------------------------------------------------
python3 bench/startup.py "$startup_runs" "$gw_port" "$gwlog" -- "${serve[@]}" >"$out/startup.txt" &
pids+=($!)
wait "${pids[-1]}" || fail "start-up runs failed: $(cat "$out/startup.txt")"
forget "${pids[-1]}"
startup_line=$(cat "$out/startup.txt")
startup_ms=$(sed 's/.*median_ms=\([0-9.]*\).*/\1/' <<<"$startup_line")

start_gateway
sleep 1
idle_rss_kb=$(rss_kb "$gw_pid" VmRSS)

sanity "$direct" plain "" ""
sanity "$direct/sse" streaming stream ""
sanity "$gateway" plain "" mock
sanity "$gateway" bench-plain "" mock
sanity "$gateway" streaming stream mock-sse
sanity "$gateway" failover "" mock
sanity "$gateway" failover-uncooled "" mock
first_rss_kb=$(rss_kb "$gw_pid" VmRSS)

# --- load ---------------------------------------------------------------------------------------------------
declare -A rps p50 p90 p99 cpu conns
cases=()
bench() {  # bench NAME TARGET(direct|gateway|floor-fixed|floor-relay|nio-relay|nginx-proxy) MODEL STREAM THREADS CONNS
    local name="$1@$6" target=$2 model=$3 stream=$4 threads=$5 connections=$6 url result line before after cpu_pid=""
    case $target in
        direct)
            url=$direct/v1/chat/completions
            [[ -n $stream ]] && url=$direct/sse/v1/chat/completions ;;
        gateway) url=$gateway/v1/chat/completions cpu_pid=$gw_pid ;;
        floor-fixed) url=$floor_url/fixed cpu_pid=$floor_pid ;;
        floor-relay) url=$floor_url/proxy cpu_pid=$floor_pid ;;
        nio-relay) url=$nio_url/v1/chat/completions cpu_pid=$nio_pid ;;
        nginx-proxy) url=$proxy_url/v1/chat/completions cpu_pid="$proxy_pids" ;;
    esac
    # One connection per thread: chat.lua times each request itself (see there why wrk's own
    # percentiles are not used then).
    local raw=-; ((threads == connections)) && raw=raw
    echo "  ${name%@*}: wrk -t$threads -c$connections, ${warmup}s warm-up + ${duration}s" >&2
    wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/chat.lua "$url" -- "$model" "${stream:--}" >/dev/null
    [[ -n $cpu_pid ]] && before=$(cpu_ticks $cpu_pid)
    result=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s bench/chat.lua "$url" -- "$model" "${stream:--}" $raw)
    [[ -n $cpu_pid ]] && after=$(cpu_ticks $cpu_pid)
    printf '%s\n' "$result" >"$out/wrk-${name//[^a-zA-Z0-9@]/_}.txt"
    line=$(grep '^BENCH' <<<"$result") || fail "$name: no result line from wrk: $result"
    get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" ${line#BENCH}"; }
    local errors=$(($(get connect_errors) + $(get read_errors) + $(get write_errors) + $(get timeouts)))
    local non2xx=$(get non2xx) requests=$(get requests)
    ((errors == 0 && non2xx == 0)) || fail "$name: $non2xx non-2xx answers and $errors socket errors in $requests requests
$result
--- last lines of $gwlog:
$(tail -20 "$gwlog")"
    ((requests > 0)) || fail "$name: no requests completed"
    cases+=("$name")
    rps[$name]=$(get rps)
    if [[ $raw == raw ]]; then
        p50[$name]=$(get raw_p50_us) p90[$name]=$(get raw_p90_us) p99[$name]=$(get raw_p99_us)
        conns[$name]=$connections
    else
        p50[$name]=$(get p50_us) p90[$name]=$(get p90_us) p99[$name]=$(get p99_us)
        conns[$name]="$connections+"
    fi
    cpu[$name]=-
    [[ -n $cpu_pid ]] && cpu[$name]=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$requests" \
        'BEGIN {printf "%.0f", t * 1e6 / hz / n}')
    return 0
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "measuring (${warmup}s warm-up + ${duration}s per case)" >&2
bench "direct plain" direct plain "" 1 1
bench "gateway plain" gateway plain "" 1 1
bench "direct streaming" direct streaming stream 1 1
bench "gateway streaming" gateway streaming stream 1 1
bench "gateway failover 429->200, cooled" gateway failover "" 1 1
bench "gateway failover 500->200, each" gateway failover-uncooled "" 1 1
bench "direct plain" direct plain "" 2 32
bench "gateway plain" gateway plain "" 2 32
bench "direct streaming" direct streaming stream 2 32
bench "gateway streaming" gateway streaming stream 2 32
peak_rss_kb=$(rss_kb "$gw_pid" VmHWM)

# --- optional soak: RSS every 10 s under mixed load ---------------------------------------------------------
soak_samples=()
if ((soak > 0)); then
    echo "soak: ${soak}s of mixed load (plain -c8, streaming -c8, failover-uncooled -c4), RSS every 10 s" >&2
    soak_pids=()
    for spec in "plain::8" "streaming:stream:8" "failover-uncooled::4"; do
        IFS=: read -r model stream c <<<"$spec"
        wrk -t1 -c"$c" -d"${soak}s" -s bench/chat.lua "$gateway/v1/chat/completions" -- "$model" $stream \
            >"$out/soak-$model.txt" 2>&1 &
        soak_pids+=($!)
        pids+=($!)
    done
    for ((t = 10; t <= soak; t += 10)); do
        sleep 10
        soak_samples+=("$(rss_kb "$gw_pid" VmRSS)")
        echo "  t=${t}s RSS $(mb "${soak_samples[-1]}") MB" >&2
    done
    for pid in "${soak_pids[@]}"; do wait "$pid" || fail "soak: wrk failed"; forget "$pid"; done
    for model in plain streaming failover-uncooled; do
        line=$(grep '^BENCH' "$out/soak-$model.txt") || fail "soak $model: $(cat "$out/soak-$model.txt")"
        grep -q 'connect_errors=0 read_errors=0 write_errors=0 timeouts=0 non2xx=0' <<<"$line" \
            || fail "soak $model: errors: $line"
    done
    peak_rss_kb=$(rss_kb "$gw_pid" VmHWM)
fi
sleep 1
end_rss_kb=$(rss_kb "$gw_pid" VmRSS)

# --- the framework floor: Hummingbird alone, and Hummingbird relaying through AsyncHTTPClient -------------
if ((floor > 0)); then
    echo "building bench/floor (release)" >&2
    swift build -c release --package-path bench/floor >&2 || fail "bench/floor does not build"
    floor_bin=$(swift build -c release --package-path bench/floor --show-bin-path)/FloorServer
    floor_port=18482
    port_busy $floor_port && fail "port $floor_port is in use"
    "$floor_bin" "$floor_port" "$direct/v1/chat/completions" >>"$out/floor.log" 2>&1 &
    floor_pid=$!
    pids+=("$floor_pid")
    wait_port $floor_port "$floor_pid" 30 || fail "FloorServer did not start: $(tail -5 "$out/floor.log")"
    floor_url=http://127.0.0.1:$floor_port
    bench "floor: Hummingbird, fixed body" floor-fixed plain "" 1 1
    bench "floor: Hummingbird + AHC relay" floor-relay plain "" 1 1
    bench "floor: Hummingbird, fixed body" floor-fixed plain "" 2 32
    bench "floor: Hummingbird + AHC relay" floor-relay plain "" 2 32
    kill -TERM "$floor_pid" 2>/dev/null || true
    wait "$floor_pid" 2>/dev/null || true
    forget "$floor_pid"

    # The minimal SwiftNIO relay and nginx as a reverse proxy, both to the same mock.
    nio_port=18483 proxy_port=18484
    for port in $nio_port $proxy_port; do port_busy $port && fail "port $port is in use"; done
    "$(dirname "$floor_bin")/NIORelay" "$nio_port" "$direct/v1/chat/completions" 2 >>"$out/floor.log" 2>&1 &
    nio_pid=$!
    pids+=("$nio_pid")
    wait_port $nio_port "$nio_pid" 30 || fail "NIORelay did not start: $(tail -5 "$out/floor.log")"
    nio_url=http://127.0.0.1:$nio_port
    mkdir -p "$out/nginx-proxy/tmp"
    sed "s/@LISTEN@/$proxy_port/; s/@UPSTREAM@/$nginx_port/" bench/nginx/proxy.conf >"$out/nginx-proxy/proxy.conf"
    : > "$out/nginx-proxy/error.log"
    nginx -p "$out/nginx-proxy/" -c "$out/nginx-proxy/proxy.conf" -e "$out/nginx-proxy/error.log" &
    proxy_master=$!
    pids+=("$proxy_master")
    wait_port $proxy_port "$proxy_master" 10 || fail "nginx proxy did not start: $(tail -5 "$out/nginx-proxy/error.log")"
    proxy_url=http://127.0.0.1:$proxy_port
    sleep 0.2
    proxy_pids="$proxy_master $(pgrep -P "$proxy_master" | tr '\n' ' ')"
    sanity "$nio_url" plain "" ""
    sanity "$proxy_url" plain "" ""
    bench "floor: minimal NIO relay" nio-relay plain "" 1 1
    bench "floor: nginx reverse proxy" nginx-proxy plain "" 1 1
    bench "floor: minimal NIO relay" nio-relay plain "" 2 32
    bench "floor: nginx reverse proxy" nginx-proxy plain "" 2 32
    for pid in $nio_pid $proxy_master; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        forget "$pid"
    done
fi

# --- usage recording on: the same plain cases against a gateway that records every request -------------------
if ((usage_runs > 0)); then
    stop_gateway
    usage_db=$out/usage-bench.sqlite
    rm -f "$usage_db" "$usage_db-wal" "$usage_db-shm"
    usage_config=$out/overhead-usage-providers.yaml
    { cat "$config"; printf '\nusage:\n  path: %s\n' "$usage_db"; } >"$usage_config"
    serve_with "$usage_config"
    start_gateway
    sanity "$gateway" plain "" mock
    bench "gateway plain, usage on" gateway plain "" 1 1
    bench "gateway plain, usage on" gateway plain "" 2 32
    stop_gateway
    usage_rows=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from usage_requests').fetchone()[0])" "$usage_db" 2>/dev/null || echo "?")
fi
# --- shared state on: the same plain cases against a gateway that shares key state and usage -------------
if ((state_runs > 0)); then
    stop_gateway
    source Tests/postgres/cluster.sh
    postgres_cluster_start || fail "cannot start a PostgreSQL cluster (Debian: apt-get install postgresql)"
    state_config=$out/overhead-state-providers.yaml
    { cat "$config"; printf '\nstate:\n  postgres_env: SWITCHBOARD_BENCH_DATABASE_URL\n'; } >"$state_config"
    serve_with "$state_config"
    start_gateway env SWITCHBOARD_BENCH_DATABASE_URL="$PG_URL"
    for _ in $(seq 250); do grep -q "shared state: connected" "$gwlog" && break; sleep 0.02; done
    grep -q "shared state: connected" "$gwlog" || fail "the gateway did not connect to PostgreSQL: $(tail -5 "$gwlog")"
    sanity "$gateway" plain "" mock
    bench "gateway plain, state on" gateway plain "" 1 1
    bench "gateway plain, state on" gateway plain "" 2 32
    stop_gateway
    state_rows=$(psql "$PG_URL" -tAc "SELECT count(*) FROM switchboard_usage_requests" 2>/dev/null || echo "?")
    postgres_cluster_stop
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- lint of the 10,000-target file -------------------------------------------------------------------------
lint_ms=-
if ((lint_runs > 0)); then
    big=$out/providers-10000.yaml
    python3 bench/generate_config.py 10000 >"$big"
    "$bin" lint "$big" >/dev/null || fail "the generated 10,000-target file does not lint clean"
    times=()
    for _ in $(seq "$lint_runs"); do
        t0=$(date +%s%N)
        "$bin" lint "$big" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    lint_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1000}')
fi

# --- the table ----------------------------------------------------------------------------------------------
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a - b}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
check() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : v >= t; print ok ? "yes" : "NO"}'; }

added_p50=$(sub "${p50[gateway plain@1]}" "${p50[direct plain@1]}")
added_p99=$(sub "${p99[gateway plain@1]}" "${p99[direct plain@1]}")
added_s50=$(sub "${p50[gateway streaming@1]}" "${p50[direct streaming@1]}")
added_s99=$(sub "${p99[gateway streaming@1]}" "${p99[direct streaming@1]}")
tput=$(div "${rps[gateway plain@32]}" "${rps[direct plain@32]}")
tput_s=$(div "${rps[gateway streaming@32]}" "${rps[direct streaming@32]}")
failover=$(div "${p50[gateway failover 429->200, cooled@1]}" "${p50[gateway plain@1]}")
failover_each=$(div "${p50[gateway failover 500->200, each@1]}" "${p50[gateway plain@1]}")
idle_mb=$(mb "$idle_rss_kb") peak_mb=$(mb "$peak_rss_kb")

{
    printf '\nSwitchboard gateway overhead - %s, %s, %s cores, wrk %ss per case after %ss warm-up, log level %s\n' \
        "$build" "$(uname -m)" "$(nproc)" "$duration" "$warmup" "$log_level"
    printf 'direct = wrk -> nginx mock; gateway = wrk -> switchboard -> nginx mock (all on this machine, sharing its cores)\n'
    printf 'load average (1/5/15 min) before the load runs: %s; after: %s\n\n' "$load_before" "$load_after"
    printf '%-34s %5s %10s %8s %8s %8s %14s\n' case conns req/s "p50 us" "p90 us" "p99 us" "CPU us/req"
    for name in "${cases[@]}"; do
        printf '%-34s %5s %10s %8s %8s %8s %14s\n' "${name%@*}" "${conns[$name]}" "${rps[$name]}" \
            "${p50[$name]}" "${p90[$name]}" "${p99[$name]}" "${cpu[$name]}"
    done
    printf '\n%-54s %14s %10s %4s\n' metric measured target met
    row() { printf '%-54s %14s %10s %4s\n' "$1" "$2" "$3" "${4:-}"; }
    row "added latency p50, plain, 1 conn (us)" "$added_p50" "<= 100" "$(check "$added_p50" '<=' 100)"
    row "added latency p99, plain, 1 conn (us)" "$added_p99" "<= 500" "$(check "$added_p99" '<=' 500)"
    row "added latency p50, streaming, 1 conn (us) *" "$added_s50" "<= 100" "$(check "$added_s50" '<=' 100)"
    row "added latency p99, streaming, 1 conn (us) *" "$added_s99" "<= 500" "$(check "$added_s99" '<=' 500)"
    row "throughput gateway / direct, plain, 32 conns" "$tput" ">= 0.40" "$(check "$tput" '>=' 0.40)"
    row "throughput gateway / direct, streaming, 32 conns" "$tput_s" ">= 0.40" "$(check "$tput_s" '>=' 0.40)"
    row "failover p50 / plain p50 (429 then 200, key cooled), 1 conn" "$failover" "<= 1.30" "$(check "$failover" '<=' 1.30)"
    row "failover p50 / plain p50 (500 then 200, every request)" "$failover_each" "-"
    row "gateway CPU per request, plain, 1 / 32 conns (us)" "${cpu[gateway plain@1]} / ${cpu[gateway plain@32]}" "-"
    row "gateway CPU per request, streaming, 1 / 32 conns (us)" "${cpu[gateway streaming@1]} / ${cpu[gateway streaming@32]}" "-"
    if ((floor > 0)); then
        row "floor: relay CPU per request, 1 / 32 conns (us)" "${cpu[floor: Hummingbird + AHC relay@1]} / ${cpu[floor: Hummingbird + AHC relay@32]}" "-"
        row "floor: relay added latency p50, 1 conn (us)" "$(sub "${p50[floor: Hummingbird + AHC relay@1]}" "${p50[direct plain@1]}")" "-"
        row "floor: relay throughput / direct, 32 conns" "$(div "${rps[floor: Hummingbird + AHC relay@32]}" "${rps[direct plain@32]}")" "-"
        row "gateway CPU per request / relay floor, 1 / 32 conns" "$(div "${cpu[gateway plain@1]}" "${cpu[floor: Hummingbird + AHC relay@1]}") / $(div "${cpu[gateway plain@32]}" "${cpu[floor: Hummingbird + AHC relay@32]}")" "-"
        for relay in "minimal NIO relay" "nginx reverse proxy"; do
            row "floor: $relay added p50, 1 conn (us)" "$(sub "${p50[floor: $relay@1]}" "${p50[direct plain@1]}")" "-"
            row "floor: $relay CPU per request, 1 / 32 conns (us)" "${cpu[floor: $relay@1]} / ${cpu[floor: $relay@32]}" "-"
            row "floor: $relay throughput / direct, 32 conns" "$(div "${rps[floor: $relay@32]}" "${rps[direct plain@32]}")" "-"
        done
        nio_cpu=$(div "${cpu[gateway plain@1]}" "${cpu[floor: minimal NIO relay@1]}")
        nio_cpu32=$(div "${cpu[gateway plain@32]}" "${cpu[floor: minimal NIO relay@32]}")
        nio_tput=$(div "${rps[gateway plain@32]}" "${rps[floor: minimal NIO relay@32]}")
        row "gateway CPU per request / NIO relay's, 1 conn" "$nio_cpu" "<= 1.5" "$(check "$nio_cpu" '<=' 1.5)"
        row "gateway CPU per request / NIO relay's, 32 conns" "$nio_cpu32" "<= 1.5" "$(check "$nio_cpu32" '<=' 1.5)"
        row "gateway throughput / NIO relay's, 32 conns" "$nio_tput" ">= 0.8" "$(check "$nio_tput" '>=' 0.8)"
    fi
    if ((usage_runs > 0)); then
        row "usage recording: CPU per request on / off, 1 conn" "$(div "${cpu[gateway plain, usage on@1]}" "${cpu[gateway plain@1]}")" "-"
        row "usage recording: CPU per request on / off, 32 conns" "$(div "${cpu[gateway plain, usage on@32]}" "${cpu[gateway plain@32]}")" "-"
        row "usage recording: req/s on / off, 32 conns" "$(div "${rps[gateway plain, usage on@32]}" "${rps[gateway plain@32]}")" "-"
        row "usage recording: rows written (all requests of the run)" "$usage_rows" "-"
    fi
    if ((state_runs > 0)); then
        row "shared state: CPU per request on / off, 1 conn" "$(div "${cpu[gateway plain, state on@1]}" "${cpu[gateway plain@1]}")" "-"
        row "shared state: CPU per request on / off, 32 conns" "$(div "${cpu[gateway plain, state on@32]}" "${cpu[gateway plain@32]}")" "-"
        row "shared state: p50 on - off, 1 conn (us)" "$(sub "${p50[gateway plain, state on@1]}" "${p50[gateway plain@1]}")" "-"
        row "shared state: req/s on / off, 32 conns" "$(div "${rps[gateway plain, state on@32]}" "${rps[gateway plain@32]}")" "-"
        row "shared state: usage rows in PostgreSQL (all requests of the run)" "$state_rows" "-"
    fi
    row "idle RSS after start-up (MB)" "$idle_mb" "<= 30" "$(check "$idle_mb" '<=' 30)"
    row "RSS after the first requests (MB)" "$(mb "$first_rss_kb")" "-"
    row "peak RSS, VmHWM after the 32-conn runs$( ((soak > 0)) && echo ' + soak') (MB)" "$peak_mb" "<= 80" "$(check "$peak_mb" '<=' 80)"
    row "RSS idle after the load (MB)" "$(mb "$end_rss_kb")" "-"
    if ((soak > 0)); then
        # "No growth": the second half of the run sets no new high (1 MB of slack for allocator noise).
        half=$((${#soak_samples[@]} / 2))
        first_max=$(printf '%s\n' "${soak_samples[@]:0:half}" | sort -n | tail -1)
        second_max=$(printf '%s\n' "${soak_samples[@]:half}" | sort -n | tail -1)
        row "soak ${soak}s: RSS at 10 s -> end (MB)" "$(mb "${soak_samples[0]}") -> $(mb "${soak_samples[-1]}")" "-"
        row "soak ${soak}s: max RSS, first half -> second half (MB)" "$(mb "$first_max") -> $(mb "$second_max")" \
            "no growth" "$(check "$second_max" '<=' $((first_max + 1024)))"
        row "soak ${soak}s: RSS min / max of samples (MB)" \
            "$(printf '%s\n' "${soak_samples[@]}" | sort -n | sed -n '1p;$p' | awk '{printf "%s%.1f", (NR > 1 ? " / " : ""), $1 / 1024}')" "-"
    fi
    row "start-up to /readyz 200, median of $startup_runs (ms)" "$startup_ms" "<= 200" "$(check "$startup_ms" '<=' 200)"
    if [[ $lint_ms != - ]]; then
        row "switchboard lint, 10,000 targets, median of $lint_runs (ms)" "$lint_ms" "< 150" "$(check "$lint_ms" '<=' 150)"
    fi
    printf '\n+ percentiles from wrk'"'"'s histogram, which wrk corrects for coordinated omission (-t2 -c32: several\n'
    printf '  connections per thread, so bench/chat.lua cannot time requests itself); other rows: per-request times.\n'
    printf '* streaming: wrk times the whole response; the mock stream is 8 small events sent at once, so the\n'
    printf '  per-request latency stands in for time to first byte.\n'
    printf 'start-up: %s\n' "${startup_line#STARTUP }"
    if ((soak > 0)); then printf 'soak RSS samples (MB, every 10 s): %s\n' \
        "$(for k in "${soak_samples[@]}"; do printf '%s ' "$(mb "$k")"; done)"; fi
} | tee "$out/overhead-summary.txt"
