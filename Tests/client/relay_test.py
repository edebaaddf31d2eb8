"""Tools, structured output and images through the gateway with the official `openai` Python client.

Run by Tests/client/run.sh: the gateway's `relay` route goes to the mock upstream (mock_upstream.py)
that this script starts on MOCK_UPSTREAM_PORT. Each check looks at both ends: what the client got, and
what the upstream received from the gateway.
"""
import base64
import json
import os
import sys

import openai
from pydantic import BaseModel

import mock_upstream

recorder = mock_upstream.Recorder()
upstream = mock_upstream.start(int(os.environ["MOCK_UPSTREAM_PORT"]), recorder)
token = os.environ["SWITCHBOARD_TOKEN"]
client = openai.OpenAI(base_url=os.environ["SWITCHBOARD_URL"] + "/v1", api_key=token, max_retries=0)
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def received():
    """The one request the upstream got since the last call, checked for what the gateway must set."""
    requests = recorder.take()
    check("upstream called once", len(requests) == 1, f"{len(requests)} requests")
    if not requests:
        return {}
    request = requests[-1]
    check("upstream model is the target's", request["body"].get("model") == "gpt-4o-mini", request["body"].get("model"))
    check("client token never forwarded", token not in json.dumps(request["headers"]), "token in upstream headers")
    return request["body"]


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
QUESTION = [{"role": "system", "content": "Use the tools."}, {"role": "user", "content": "Weather in Paris?"}]

# --- A tool-calling round trip: tools → tool_calls → a tool message → the final answer -------------------
first = client.chat.completions.create(
    model="relay", messages=QUESTION, tools=[WEATHER_TOOL], tool_choice="auto", parallel_tool_calls=False,
    seed=9007199254740993, user="client-test")
sent = received()
check("tools relayed as sent", sent.get("tools") == [WEATHER_TOOL], json.dumps(sent.get("tools")))
check("tool_choice relayed", sent.get("tool_choice") == "auto")
check("parallel_tool_calls relayed", sent.get("parallel_tool_calls") is False)
check("64-bit seed keeps every digit", sent.get("seed") == 9007199254740993, repr(sent.get("seed")))
check("user relayed", sent.get("user") == "client-test")
choice = first.choices[0]
calls = choice.message.tool_calls or []
check("tool call reaches the client", len(calls) == 1 and calls[0].function.name == "get_weather", repr(calls))
check("tool call arguments intact", bool(calls) and calls[0].function.arguments == mock_upstream.WEATHER_ARGUMENTS)
check("finish reason tool_calls", choice.finish_reason == "tool_calls", choice.finish_reason)
check("usage details relayed", first.usage is not None and first.usage.completion_tokens_details is not None
      and first.usage.completion_tokens_details.reasoning_tokens == 0)
check("system_fingerprint relayed", first.system_fingerprint == "fp_mock", repr(first.system_fingerprint))

follow_up = QUESTION + [
    choice.message.model_dump(exclude_none=True),
    {"role": "tool", "tool_call_id": calls[0].id if calls else "missing", "content": '{"temperature":18}'},
]
final = client.chat.completions.create(model="relay", messages=follow_up, tools=[WEATHER_TOOL])
sent = received()
messages = sent.get("messages", [])
check("assistant tool_calls relayed", len(messages) == 4 and messages[2].get("tool_calls") == [
    {"id": "call_weather_1", "type": "function",
     "function": {"name": "get_weather", "arguments": mock_upstream.WEATHER_ARGUMENTS}}], json.dumps(messages[2:3]))
check("tool message relayed with its id", len(messages) == 4 and messages[3] == follow_up[3], json.dumps(messages[3:]))
check("final answer after the tool result", final.choices[0].message.content == mock_upstream.FINAL_TEXT,
      repr(final.choices[0].message.content))

# --- The same, streamed, assembled by the client's own stream helper ------------------------------------
with client.chat.completions.stream(model="relay", messages=QUESTION, tools=[WEATHER_TOOL]) as stream:
    argument_deltas = [event for event in stream if event.type == "tool_calls.function.arguments.delta"]
    streamed = stream.get_final_completion()
sent = received()
check("streamed request asks the upstream to stream", sent.get("stream") is True)
check("streamed tools relayed", sent.get("tools") == [WEATHER_TOOL])
check("tool call arguments arrive as deltas", len(argument_deltas) >= 2, f"{len(argument_deltas)} deltas")
streamed_calls = streamed.choices[0].message.tool_calls or []
check("streamed tool call assembled", len(streamed_calls) == 1 and streamed_calls[0].function.name == "get_weather"
      and streamed_calls[0].function.arguments == mock_upstream.WEATHER_ARGUMENTS, repr(streamed_calls))
check("streamed tool arguments parsed by the helper", bool(streamed_calls)
      and streamed_calls[0].function.parsed_arguments == {"city": "Paris", "unit": "celsius"})
check("streamed finish reason tool_calls", streamed.choices[0].finish_reason == "tool_calls")
check("no usage chunk when the client did not ask", streamed.usage is None, repr(streamed.usage))

with client.chat.completions.stream(model="relay", messages=follow_up, tools=[WEATHER_TOOL],
                                    stream_options={"include_usage": True}) as stream:
    for _ in stream:
        pass
    streamed_final = stream.get_final_completion()
sent = received()
check("stream_options relayed", sent.get("stream_options") == {"include_usage": True}, repr(sent.get("stream_options")))
check("streamed final answer", streamed_final.choices[0].message.content == mock_upstream.FINAL_TEXT,
      repr(streamed_final.choices[0].message.content))
check("streamed usage when asked", streamed_final.usage is not None and streamed_final.usage.total_tokens == 51)


# --- Structured output: response_format with a JSON schema ---------------------------------------------
class Weather(BaseModel):
    city: str
    temperature: int
    conditions: str


parsed = client.chat.completions.parse(model="relay", messages=QUESTION, response_format=Weather)
sent = received()
response_format = sent.get("response_format") or {}
schema = (response_format.get("json_schema") or {}).get("schema") or {}
check("json_schema response_format relayed", response_format.get("type") == "json_schema"
      and response_format["json_schema"].get("strict") is True
      and sorted(schema.get("properties", {})) == ["city", "conditions", "temperature"], json.dumps(response_format))
check("structured answer parsed", parsed.choices[0].message.parsed == Weather(
    city="Paris", temperature=18, conditions="sunny"), repr(parsed.choices[0].message.parsed))

# --- An image part ------------------------------------------------------------------------------------
png = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003"
    "010100c9fe92ef0000000049454e44ae426082")).decode()
image_message = {"role": "user", "content": [
    {"type": "text", "text": "What is in this image?"},
    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}", "detail": "low"}},
]}
described = client.chat.completions.create(model="relay", messages=[image_message], max_tokens=100)
sent = received()
check("image part relayed as sent", sent.get("messages") == [image_message], json.dumps(sent.get("messages"))[:200])
check("max_tokens relayed", sent.get("max_tokens") == 100)
check("image answer", described.choices[0].message.content == mock_upstream.IMAGE_TEXT)

# --- A request no target can serve: a 400, and no upstream call -------------------------------------------
try:
    client.chat.completions.create(model="text-generation", messages=QUESTION, tools=[WEATHER_TOOL])
    check("tools on a text-only route raises", False, "no exception")
except openai.BadRequestError as error:
    check("tools on a text-only route is unsupported_capability", error.code == "unsupported_capability",
          repr(error.code))
    check("the error names the need", "tools" in str(error), str(error))
check("no upstream call for an unservable request", recorder.take() == [])

upstream.shutdown()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("all relay checks passed")
