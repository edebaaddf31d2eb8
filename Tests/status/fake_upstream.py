"""A fake OpenAI-compatible upstream for the status-page test: stdlib only, on 127.0.0.1.

`POST /v1/chat/completions` answers by the bearer key it receives:

- `key-limited`: 429 with `Retry-After: 120` and an OpenAI-style `rate_limit_exceeded` error;
- `key-revoked`: 401 with an OpenAI-style `invalid_api_key` error;
- `key-valid`: 200 with a chat.completion whose usage is 40 prompt and 10 completion tokens;
- any other key: 401 as well.

It records the (key, model) of every chat request; `GET /requests` returns them as a JSON list of
`{"key": ..., "model": ...}`, oldest first.

For `switchboard probe` it also answers what probes ask: `GET /v1/models` by key (`key-valid` lists
`gpt-test`, `key-limited` gets 429 with `Retry-After`, any other key 401), and as the Hugging Face Hub
`GET /api/whoami-v2` (`hf-valid` is a known token) and `GET /api/models/{id}` (`org/cold` is deployed on
hf-inference but not loaded; any other model is 404).

Run as a script (`python3 fake_upstream.py PORT_FILE`) it binds an ephemeral port, writes the port number
to PORT_FILE once it is listening, and serves until it is killed.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_SUFFIX = "-2025-01-01"
USAGE = {"prompt_tokens": 40, "completion_tokens": 10, "total_tokens": 50}
RETRY_AFTER = "120"


def _error(message, type_, code):
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    records = []
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        authorization = self.headers.get("authorization") or ""
        if self.path == "/requests":
            with self.lock:
                payload = json.dumps(self.records).encode()
            self._send(200, payload)
        elif self.path == "/v1/models":
            if authorization == "Bearer key-valid":
                self._send(200, json.dumps({"object": "list", "data": [{"id": "gpt-test", "object": "model"}]}).encode())
            elif authorization == "Bearer key-limited":
                error = _error("Rate limit reached.", "requests", "rate_limit_exceeded")
                self._send(429, json.dumps(error).encode(), {"Retry-After": RETRY_AFTER})
            else:
                self._send(401, json.dumps(_error("Incorrect API key provided.", "invalid_request_error",
                                                  "invalid_api_key")).encode())
        elif self.path == "/api/whoami-v2":
            if authorization == "Bearer hf-valid":
                self._send(200, json.dumps({"type": "user", "name": "ops"}).encode())
            else:
                self._send(401, json.dumps({"error": "Invalid credentials in Authorization header"}).encode())
        elif self.path.startswith("/api/models/org/cold?"):
            self._send(200, json.dumps({"id": "org/cold",
                                        "inferenceProviderMapping": {"hf-inference": {"status": "live"}}}).encode())
        else:
            self._send(404, json.dumps(_error("not found", "invalid_request_error", None)).encode())

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if self.path != "/v1/chat/completions" or not isinstance(body, dict):
            self._send(400, json.dumps(_error("bad request", "invalid_request_error", None)).encode())
            return
        authorization = self.headers.get("authorization") or ""
        key = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else authorization
        model = body.get("model")
        with self.lock:
            self.records.append({"key": key, "model": model})
        if key == "key-limited":
            error = _error("Rate limit reached for requests. Please try again in 2m.", "requests",
                           "rate_limit_exceeded")
            self._send(429, json.dumps(error).encode(), {"Retry-After": RETRY_AFTER})
        elif key == "key-valid":
            completion = {
                "id": "chatcmpl-fake-1", "object": "chat.completion", "created": 1733097600,
                "model": f"{model}{MODEL_SUFFIX}",
                "choices": [{"index": 0, "logprobs": None, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "fake answer", "refusal": None}}],
                "usage": USAGE, "system_fingerprint": "fp_fake",
            }
            self._send(200, json.dumps(completion).encode())
        else:
            error = _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
            self._send(401, json.dumps(error).encode())

    def _send(self, status, payload, headers=None):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file = sys.argv[1]
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
