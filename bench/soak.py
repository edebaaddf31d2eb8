#!/usr/bin/env python3
"""Soak run: mixed traffic through a release `switchboard serve` while the upstream injects random faults.

Starts, on 127.0.0.1 only:
  * a fault-injecting OpenAI-compatible upstream (this file, a threaded http.server): each request draws a
    fault at random — 429 with Retry-After (seconds or an HTTP date), 503, 500/502/504 with an HTML body,
    a stall past the attempt timeout, a connection reset, malformed JSON, JSON of the wrong shape, an SSE
    stream cut short or without [DONE] — or answers normally;
  * `switchboard serve` with bench/soak-providers.yaml (three routes: one that ends in the offline
    template, one network-only, one streaming-heavy), keys from dummy environment variables;
  * WORKERS client threads that loop for DURATION seconds over the routes, streaming and not.

Reports requests served, outcomes by HTTP status and error code, p50/p99 latency, and the gateway's RSS
sampled every 10 s. Fails (exit 1) if the gateway dies, a request hangs past the client timeout, an answer
is not one the config allows (200, or an OpenAI-shaped 429/502/503/504 error), a streamed 200 ends
without [DONE] or an error event, or RSS after warm-up moves more than ±10 % around its median.

    python3 bench/soak.py [--duration 600] [--workers 8] [--binary PATH]

Not part of CI: run by hand; docs/reliability.md has the figures of the last run.
"""
import argparse
import email.utils
import http.client
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMPLETION = json.dumps({
    "id": "chatcmpl-soak", "object": "chat.completion", "created": 1700000000, "model": "soak-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "soak answer"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}).encode()


def chunk(content, finish=None):
    return "data: " + json.dumps({
        "id": "chatcmpl-soak", "object": "chat.completion.chunk", "created": 1700000000, "model": "soak-model",
        "choices": [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}],
    }) + "\n\n"


# Fault name → weight. "ok" dominates so that most requests see a healthy first or second attempt.
FAULTS = {
    "ok": 55, "429-seconds": 6, "429-date": 3, "503": 6, "500-html": 4, "502-html": 3, "504-html": 3,
    "stall": 3, "reset": 4, "malformed-json": 3, "wrong-shape": 3, "sse-cut": 4, "sse-no-done": 3,
}
FAULT_NAMES = list(FAULTS)
FAULT_WEIGHTS = [FAULTS[name] for name in FAULT_NAMES]
injected = {name: 0 for name in FAULT_NAMES}
injected_lock = threading.Lock()


class FaultyUpstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        stream = bool(body.get("stream"))
        fault = random.choices(FAULT_NAMES, FAULT_WEIGHTS)[0]
        with injected_lock:
            injected[fault] += 1
        if fault == "ok":
            return self.sse(["soak ", "answer"], done=True) if stream else self.reply(200, COMPLETION)
        if fault == "429-seconds":
            return self.reply(429, b'{"error":{"message":"rate limited"}}', [("Retry-After", "1")])
        if fault == "429-date":
            when = email.utils.formatdate(time.time() + 2, usegmt=True)
            return self.reply(429, b'{"error":{"message":"rate limited"}}', [("Retry-After", when)])
        if fault == "503":
            return self.reply(503, b'{"error":"Model is currently loading","estimated_time":1.0}')
        if fault.endswith("-html"):
            status = int(fault[:3])
            return self.reply(status, b"<html><body><h1>Bad gateway</h1></body></html>", ctype="text/html")
        if fault == "stall":
            time.sleep(1.5)  # past the 500ms attempt timeout
            return self.reply(200, COMPLETION)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
            return
        if fault == "malformed-json":
            return self.reply(200, b'{"id": "x", "choices": [')
        if fault == "wrong-shape":
            return self.reply(200, b'{"answer": "not a chat completion"}')
        if fault == "sse-cut":
            return self.sse(["soak "], done=False, cut=True)
        if fault == "sse-no-done":
            return self.sse(["soak ", "answer"], done=False)

    def reply(self, status, body, headers=(), ctype="application/json"):
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def sse(self, parts, done, cut=False):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        for part in parts:
            self.wfile.write(chunk(part).encode())
            self.wfile.flush()
        if cut:
            self.wfile.write(b'data: {"id": "chatcmpl-soak", "cho')
        elif done:
            self.wfile.write(chunk("", "stop").encode() + b"data: [DONE]\n\n")
        self.close_connection = True


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # the gateway hanging up on a stalled answer is the point, not a problem


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(upstream_port, path):
    base = f"http://127.0.0.1:{upstream_port}/v1"
    text = f"""# Written by bench/soak.py: a faulty loopback upstream behind every network target.
version: 1
key_pools:
  soak-a: {{ env: [SOAK_KEY_A1, SOAK_KEY_A2, SOAK_KEY_A3] }}
  soak-b: {{ env: [SOAK_KEY_B1, SOAK_KEY_B2] }}
providers:
  primary: {{ adapter: openai-chat, base_url: "{base}", key_pool: soak-a, timeouts: {{ connect: 1s, request: 2s }} }}
  secondary: {{ adapter: openai-chat, base_url: "{base}", key_pool: soak-b, timeouts: {{ connect: 1s, request: 2s }} }}
  offline:
    adapter: template
    options: {{ templates: {{ answer: "offline answer: {{{{prompt}}}}" }} }}
policy: {{ deadline: 4s, attempt_timeout: 500ms, max_attempts: 4 }}
# Short cooldowns, so that keys come back quickly and the soak keeps reaching the faulty upstream (the
# built-in defaults cool a rate-limited key for 30 s and an unavailable one for 20 s).
error_rules:
  - {{ class: rate_limited, match: {{ status: 429 }}, action: next_key, cooldown: 1s, honor_retry_after: true }}
  - {{ class: unavailable, match: {{ status: 503 }}, action: next_key, cooldown: 1s }}
routes:
  with-fallback:
    - {{ provider: primary, model: soak-primary, priority: 1 }}
    - {{ provider: secondary, model: soak-secondary, priority: 2 }}
    - {{ provider: offline, priority: 3 }}
  network-only:
    - {{ provider: primary, model: soak-net-1, priority: 1 }}
    - {{ provider: secondary, model: soak-net-2, priority: 2 }}
"""
    with open(path, "w") as out:
        out.write(text)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


ALLOWED_ERRORS = {429: "rate_limited", 502: "stream_interrupted", 503: "upstreams_unavailable",
                  504: "deadline_exceeded"}


def one_request(port, model, stream, timeout):
    body = json.dumps({"model": model, "stream": stream,
                       "messages": [{"role": "user", "content": "soak"}]}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        latency = time.monotonic() - started
        status = response.status
        if status == 200 and stream:
            text = data.decode(errors="replace")
            if text.rstrip().endswith("data: [DONE]"):
                return status, "ok-stream", latency, None
            if '"error"' in text:
                return status, "stream-error-event", latency, None
            return status, "bad-stream", latency, f"a streamed 200 ended without [DONE] or an error: {text[-200:]!r}"
        if status == 200:
            answer = json.loads(data)
            if not answer.get("choices"):
                return status, "bad-body", latency, f"200 without choices: {data[:200]!r}"
            return status, "ok", latency, None
        try:
            code = json.loads(data)["error"]["code"]
        except Exception:
            return status, "not-openai-shaped", latency, f"HTTP {status} body is not an OpenAI error: {data[:200]!r}"
        if ALLOWED_ERRORS.get(status) != code:
            return status, code, latency, f"HTTP {status} with code {code} is not an outcome the config allows"
        return status, code, latency, None
    except socket.timeout:
        return 0, "client-timeout", time.monotonic() - started, "a request got no answer within the client timeout"
    except Exception as error:  # connection refused or reset by the gateway: a lost request
        return 0, type(error).__name__, time.monotonic() - started, f"the gateway dropped a request: {error!r}"
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--binary", help="switchboard binary (default: build release)")
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples (default 10)")
    args = parser.parse_args()

    binary = args.binary
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "switchboard"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout.strip()
        binary = os.path.join(bin_dir, "switchboard")

    out_dir = os.path.join(ROOT, "bench", "out")
    os.makedirs(out_dir, exist_ok=True)
    upstream_port = free_port()
    upstream = ThreadingServer(("127.0.0.1", upstream_port), FaultyUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()

    config = os.path.join(out_dir, "soak-providers.yaml")
    write_config(upstream_port, config)
    port = free_port()
    env = dict(os.environ)
    for name in ["SOAK_KEY_A1", "SOAK_KEY_A2", "SOAK_KEY_A3", "SOAK_KEY_B1", "SOAK_KEY_B2"]:
        env[name] = "sk-soak" + os.urandom(12).hex()
    log = open(os.path.join(out_dir, "soak-gateway.log"), "w")
    gateway = subprocess.Popen([binary, "serve", "--config", config, "--port", str(port), "--log-level", "warning"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as ready:
                    if ready.status == 200:
                        break
            except Exception:
                pass
            if gateway.poll() is not None or time.monotonic() > deadline:
                print("the gateway did not become ready; see bench/out/soak-gateway.log")
                return 1
            time.sleep(0.05)

        results = []
        problems = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.duration
        mix = [("soak-primary", False), ("soak-primary", True), ("soak-net-1", False), ("soak-net-1", True)]

        def worker(seed):
            rng = random.Random(seed)
            while time.monotonic() < stop_at:
                model, stream = rng.choice(mix)
                outcome = one_request(port, model, stream, timeout=15)
                with lock:
                    results.append((model, stream) + outcome[:3])
                    if outcome[3]:
                        problems.append(outcome[3])

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(args.workers)]
        for thread in threads:
            thread.start()
        samples = []
        started = time.monotonic()
        while any(thread.is_alive() for thread in threads):
            if gateway.poll() is not None:
                problems.append(f"the gateway exited with status {gateway.returncode}")
                break
            samples.append((time.monotonic() - started, rss_mb(gateway.pid)))
            time.sleep(min(args.sample, max(0.1, stop_at - time.monotonic())))
        for thread in threads:
            thread.join()
        if gateway.poll() is None:
            samples.append((time.monotonic() - started, rss_mb(gateway.pid)))
        alive = gateway.poll() is None
    finally:
        if gateway.poll() is None:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gateway.kill()
        upstream.shutdown()
        log.close()

    # Report.
    latencies = sorted(result[4] for result in results)
    by_outcome = {}
    for result in results:
        key = (result[2], result[3])
        by_outcome[key] = by_outcome.get(key, 0) + 1
    print(f"\nsoak: {args.duration:.0f} s, {args.workers} workers, {len(results)} requests "
          f"({len(results) / args.duration:.1f}/s), gateway alive at the end: {alive}")
    print("\noutcome (HTTP status, code)              requests")
    for (status, code), count in sorted(by_outcome.items(), key=lambda item: -item[1]):
        print(f"  {status:>3} {code:<36} {count:>8}")
    print("\ninjected upstream faults (per upstream attempt)")
    for name in FAULT_NAMES:
        print(f"  {name:<16} {injected[name]:>8}")
    if latencies:
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"\nlatency: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print("\nRSS (MB) over time: " + ", ".join(f"{t:.0f}s={mb:.1f}" for t, mb in samples))
    warm = [mb for t, mb in samples if t >= min(60, args.duration / 5)]
    rss_ok = True
    if len(warm) >= 2:
        median = statistics.median(warm)
        spread = max(abs(mb - median) / median for mb in warm)
        rss_ok = spread <= 0.10
        print(f"RSS after warm-up: median {median:.1f} MB, largest deviation {spread * 100:.1f}% "
              f"({'flat' if rss_ok else 'NOT flat'}, limit ±10%)")
    if not rss_ok:
        problems.append("RSS is not flat within ±10% after warm-up")
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s); first ones:")
        for problem in problems[:10]:
            print("  - " + problem)
        return 1
    print("\nPASSED: no crash, every request answered, every error one the config allows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
