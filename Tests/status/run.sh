#!/usr/bin/env bash
# The status page in a real browser: starts a fake upstream and `switchboard serve` on 127.0.0.1, then
# runs status_page_test.py, which sends traffic and reads /status in Debian's headless Chromium over the
# DevTools protocol. Needs `chromium` and the `websocket-client` package (.ci/run installs both).
# STATUS_SCREENSHOT=docs/status-page.png bash Tests/status/run.sh also saves a full-page screenshot.
# Then `switchboard probe` checks probe.yaml's keys and models against the same fake upstream: its table
# must be probe.expected, and its exit status 1 (route `broken` has no working target), 0 without it.
set -euo pipefail
# A relative screenshot path is taken from where the script was started.
if [ -n "${STATUS_SCREENSHOT:-}" ]; then export STATUS_SCREENSHOT="$(realpath -m "$STATUS_SCREENSHOT")"; fi
cd "$(dirname "$0")/../.."

# websocket-client lives in the project's own virtual environment, .venv, made here when missing.
[ -x .venv/bin/python ] || python3 -m venv .venv
python=.venv/bin/python
"$python" -c "import websocket" 2>/dev/null || .venv/bin/pip install --quiet --disable-pip-version-check "websocket-client==1.9.2"
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium (Debian)" >&2; exit 1; }

swift build --product switchboard >/dev/null
bin=$(swift build --show-bin-path)/switchboard
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
client_token="client-$RANDOM$RANDOM$RANDOM"
admin_token="admin-$RANDOM$RANDOM$RANDOM"
work=$(mktemp -d)
log="$work/serve.log"
server="" upstream=""
cleanup() {
    status=$?
    if [ "$status" -ne 0 ] && [ -e "$log" ]; then
        echo "--- switchboard serve's log ---" >&2
        cat "$log" >&2
    fi
    for pid in $server $upstream; do kill "$pid" 2>/dev/null || true; done
    for pid in $server $upstream; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The fake upstream picks its own port and writes it to a file once it listens.
"$python" Tests/status/fake_upstream.py "$work/upstream.port" 2>"$work/upstream.log" &
upstream=$!
for _ in $(seq 100); do
    [ -s "$work/upstream.port" ] && break
    kill -0 "$upstream" 2>/dev/null || { echo "the fake upstream exited:" >&2; cat "$work/upstream.log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$work/upstream.port" ] || { echo "the fake upstream did not start in 10 s" >&2; exit 1; }
upstream_port=$(cat "$work/upstream.port")
sed "s|http://127.0.0.1:1/v1|http://127.0.0.1:$upstream_port/v1|" Tests/status/providers.yaml >"$work/providers.yaml"

STATUS_MOCK_KEY_1=key-limited STATUS_MOCK_KEY_2=key-revoked STATUS_MOCK_KEY_3=key-valid \
SWITCHBOARD_API_TOKENS="$client_token" SWITCHBOARD_ADMIN_TOKENS="$admin_token" \
    "$bin" serve --config "$work/providers.yaml" --host 127.0.0.1 --port "$port" --log-level warning >"$log" 2>&1 &
server=$!

ready=""
for _ in $(seq 100); do
    "$python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/healthz" 2>/dev/null && { ready=1; break; }
    kill -0 "$server" 2>/dev/null || { echo "switchboard serve exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$ready" ] || { echo "switchboard serve did not answer /healthz in 10 s" >&2; exit 1; }

SWITCHBOARD_URL="http://127.0.0.1:$port" CLIENT_TOKEN="$client_token" ADMIN_TOKEN="$admin_token" \
UPSTREAM_URL="http://127.0.0.1:$upstream_port" timeout 180 "$python" Tests/status/status_page_test.py

# switchboard probe: a valid, a revoked and a rate-limited key, a loading model and a missing one.
sed "s|http://127.0.0.1:1|http://127.0.0.1:$upstream_port|" Tests/status/probe.yaml >"$work/probe.yaml"
probe() {
    STATUS_MOCK_KEY_1=key-limited STATUS_MOCK_KEY_2=key-revoked STATUS_MOCK_KEY_3=key-valid STATUS_HF_TOKEN=hf-valid \
        timeout 60 "$bin" probe --config "$work/probe.yaml" "$@"
}
code=0
probe >"$work/probe.out" 2>"$work/probe.err" || code=$?
if ! diff -u Tests/status/probe.expected "$work/probe.out"; then
    echo "FAIL switchboard probe printed another table (diff above); stderr:" >&2
    cat "$work/probe.err" >&2
    exit 1
fi
[ "$code" -eq 1 ] || { echo "FAIL switchboard probe exited $code, not 1, with route broken down" >&2; exit 1; }
code=0
probe --route chat --route summarize >/dev/null 2>&1 || code=$?
[ "$code" -eq 0 ] || { echo "FAIL switchboard probe --route chat --route summarize exited $code, not 0" >&2; exit 1; }
if grep -q -e key-valid -e key-revoked -e key-limited -e hf-valid "$work/probe.out" "$work/probe.err"; then
    echo "FAIL switchboard probe printed a key value" >&2
    exit 1
fi
echo "switchboard probe: the table, both exit statuses and no key printed: ok"
