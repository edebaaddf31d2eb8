"""The official `openai` Python package against a live `switchboard serve`.

Run by Tests/client/run.sh, which starts the server on 127.0.0.1 with Tests/client/providers.yaml
(offline templates only: no provider is called) and passes its URL and client token.
"""
import os
import sys

import openai

base_url = os.environ["SWITCHBOARD_URL"] + "/v1"
client = openai.OpenAI(base_url=base_url, api_key=os.environ["SWITCHBOARD_TOKEN"], max_retries=0)
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


# A plain completion.
completion = client.chat.completions.create(
    model="text-generation",
    messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour"}],
    max_tokens=50,
    temperature=0.2,
)
check("plain completion text", completion.choices[0].message.content == "offline answer: Name a colour",
      repr(completion.choices[0].message.content))
check("plain completion finish reason", completion.choices[0].finish_reason == "stop")
check("plain completion object", completion.object == "chat.completion")

# A raw response exposes Switchboard's headers.
raw = client.chat.completions.with_raw_response.create(
    model="text-generation", messages=[{"role": "user", "content": "hi"}])
check("provider header", raw.headers.get("x-switchboard-provider") == "offline", raw.headers.get("x-switchboard-provider"))

# A streamed completion.
stream = client.chat.completions.create(
    model="text-generation",
    messages=[{"role": "user", "content": "Stream this"}],
    stream=True,
    stream_options={"include_usage": True},
)
text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
check("streamed completion text", text == "offline answer: Stream this", repr(text))

# Template variables travel in `metadata`.
completion = client.chat.completions.create(
    model="course", messages=[{"role": "user", "content": "SSE"}], metadata={"topic": "Streaming"})
check("metadata as template variables", completion.choices[0].message.content == "Course on Streaming: SSE",
      repr(completion.choices[0].message.content))

# Models.
ids = [model.id for model in client.models.list()]
check("models list", ids[:2] == ["text-generation", "course"], repr(ids))

# Error cases: unknown model (404), bad token (401), invalid parameter (400).
try:
    client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    check("unknown model raises", False, "no exception")
except openai.NotFoundError as error:
    check("unknown model raises NotFoundError", error.status_code == 404)
    check("unknown model lists valid ones", "text-generation" in str(error), str(error))

try:
    openai.OpenAI(base_url=base_url, api_key="wrong-token", max_retries=0).models.list()
    check("bad token raises", False, "no exception")
except openai.AuthenticationError as error:
    check("bad token raises AuthenticationError", error.status_code == 401)

try:
    client.chat.completions.create(model="text-generation", messages=[{"role": "user", "content": "x"}], temperature=9)
    check("invalid temperature raises", False, "no exception")
except openai.BadRequestError as error:
    check("invalid temperature raises BadRequestError", "temperature" in str(error), str(error))

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("all checks passed")
