# Sourced by the bench scripts: every process a script starts goes in `pids` and is stopped by PID on
# exit (TERM, then KILL after 10 s); a script's own `on_cleanup`, when it defines one, runs after that.
# Also the port and CPU helpers both scripts use.

pids=()
cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if declare -F on_cleanup >/dev/null; then on_cleanup; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# forget PID: a process the script stopped itself.
forget() { local keep=() p; for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done; pids=("${keep[@]}"); }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # wait_port PORT PID SECONDS
    local i
    for i in $(seq $(($3 * 50))); do
        port_busy "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}
cpu_ticks() {  # cpu_ticks PID…: user + system clock ticks, summed
    local pid total=0
    for pid in "$@"; do total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done
    echo "$total"
}
