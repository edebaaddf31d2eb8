#!/usr/bin/env bash
# Runs the official `openai` Python package against a live `switchboard serve` on 127.0.0.1.
# The package lives in the project's own virtual environment, .venv, made here when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ -x .venv/bin/python ] || python3 -m venv .venv
python=.venv/bin/python
"$python" -c "import openai" 2>/dev/null || .venv/bin/pip install --quiet --disable-pip-version-check "openai==3.57.0"

swift build --product switchboard >/dev/null
bin=$(swift build --show-bin-path)/switchboard
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mock_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="client-test-token-$RANDOM$RANDOM"
log=$(mktemp)
config=$(mktemp --suffix=.yaml)
# The openai-chat provider goes to the mock upstream the Python test starts on $mock_port.
sed "s|http://127.0.0.1:1/v1|http://127.0.0.1:$mock_port/v1|" Tests/client/providers.yaml >"$config"

SWITCHBOARD_API_TOKENS="$token" "$bin" serve --config "$config" --host 127.0.0.1 --port "$port" \
    --log-level warning >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log" "$config"' EXIT

for _ in $(seq 100); do
    "$python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { echo "switchboard serve exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
done

SWITCHBOARD_URL="http://127.0.0.1:$port" SWITCHBOARD_TOKEN="$token" "$python" Tests/client/openai_client_test.py
SWITCHBOARD_URL="http://127.0.0.1:$port" SWITCHBOARD_TOKEN="$token" MOCK_UPSTREAM_PORT="$mock_port" \
    "$python" Tests/client/relay_test.py
