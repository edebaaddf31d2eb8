"""A scripted OpenAI-compatible upstream for the client tests: stdlib only, on 127.0.0.1.

It records every request it receives (path, headers, JSON body) so the tests can check what the gateway
sent, and answers like OpenAI's Chat Completions API would:

- a conversation whose last message is a `tool` result gets the final text answer;
- a request with `tools` gets a `get_weather` tool call (streamed as argument deltas when asked);
- a `json_schema` response format gets JSON content that matches the `weather` schema;
- anything else (an image part, plain text) gets a short text answer.

Streamed answers end with a usage-only chunk when the request asks for `stream_options.include_usage`,
then `data: [DONE]`.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "gpt-4o-mini-2024-07-18"
USAGE = {
    "prompt_tokens": 42,
    "completion_tokens": 9,
    "total_tokens": 51,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
}
WEATHER_ARGUMENTS = '{"city":"Paris","unit":"celsius"}'
FINAL_TEXT = "It is 18 degrees and sunny in Paris."
WEATHER_JSON = '{"city":"Paris","temperature":18,"conditions":"sunny"}'
IMAGE_TEXT = "A red square on a white background."


class Recorder:
    def __init__(self):
        self._lock = threading.Lock()
        self._requests = []

    def add(self, request):
        with self._lock:
            self._requests.append(request)

    def take(self):
        """The requests received since the last call."""
        with self._lock:
            requests, self._requests = self._requests, []
            return requests


def _answer_for(body):
    """(message, finish_reason) for a request body."""
    messages = body.get("messages", [])
    if messages and messages[-1].get("role") == "tool":
        return {"role": "assistant", "content": FINAL_TEXT, "refusal": None, "annotations": []}, "stop"
    if body.get("tools"):
        call = {"id": "call_weather_1", "type": "function",
                "function": {"name": "get_weather", "arguments": WEATHER_ARGUMENTS}}
        return {"role": "assistant", "content": None, "tool_calls": [call], "refusal": None,
                "annotations": []}, "tool_calls"
    if (body.get("response_format") or {}).get("type") == "json_schema":
        return {"role": "assistant", "content": WEATHER_JSON, "refusal": None, "annotations": []}, "stop"
    return {"role": "assistant", "content": IMAGE_TEXT, "refusal": None, "annotations": []}, "stop"


def _completion(body):
    message, finish = _answer_for(body)
    return {
        "id": "chatcmpl-mock-1", "object": "chat.completion", "created": 1733097600, "model": MODEL,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": USAGE, "service_tier": "default", "system_fingerprint": "fp_mock",
    }


def _chunks(body):
    """The answer as chat.completion.chunk objects: the tool call's arguments in three deltas."""
    message, finish = _answer_for(body)

    def chunk(delta, finish_reason=None):
        return {"id": "chatcmpl-mock-2", "object": "chat.completion.chunk", "created": 1733097600,
                "model": MODEL, "system_fingerprint": "fp_mock", "service_tier": "default",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

    chunks = []
    if message.get("tool_calls"):
        call = message["tool_calls"][0]
        chunks.append(chunk({"role": "assistant", "content": None, "tool_calls": [
            {"index": 0, "id": call["id"], "type": "function",
             "function": {"name": call["function"]["name"], "arguments": ""}}]}))
        arguments = call["function"]["arguments"]
        for start in range(0, len(arguments), 12):
            chunks.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[start:start + 12]}}]}))
    else:
        chunks.append(chunk({"role": "assistant", "content": "", "refusal": None}))
        text = message["content"]
        for start in range(0, len(text), 10):
            chunks.append(chunk({"content": text[start:start + 10]}))
    chunks.append(chunk({}, finish))
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = chunk({})
        usage["choices"] = []
        usage["usage"] = USAGE
        chunks.append(usage)
    return chunks


def start(port, recorder):
    """Serves on 127.0.0.1:`port` in a daemon thread; returns the server (call `shutdown()` to stop)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            recorder.add({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body})
            if self.path != "/v1/chat/completions" or not isinstance(body, dict):
                self._send(400, "application/json", b'{"error":{"message":"bad request"}}')
            elif body.get("stream"):
                events = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in _chunks(body))
                self._send(200, "text/event-stream", events + b"data: [DONE]\n\n")
            else:
                self._send(200, "application/json", json.dumps(_completion(body)).encode())

        def _send(self, status, content_type, payload):
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
