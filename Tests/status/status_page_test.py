"""The status page as a person sees it, in a real browser (Debian's headless Chromium over the DevTools
protocol), after traffic that cools one key, disables another and is answered by a third.

run.sh starts the fake upstream and `switchboard serve` and passes, in the environment:
SWITCHBOARD_URL, CLIENT_TOKEN, ADMIN_TOKEN, UPSTREAM_URL (the fake upstream, for its request log) and,
optionally, STATUS_SCREENSHOT (a PNG path: a full-page screenshot is saved there).

Needs the `websocket-client` package (.ci/run installs it into .venv) and a `chromium` on PATH (or in
CHROMIUM). Every wait has a timeout and Chromium is always killed, so the test cannot hang.
"""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websocket  # websocket-client

BASE = os.environ["SWITCHBOARD_URL"]
CLIENT_TOKEN = os.environ["CLIENT_TOKEN"]
ADMIN_TOKEN = os.environ["ADMIN_TOKEN"]
UPSTREAM = os.environ["UPSTREAM_URL"]
SCREENSHOT = os.environ.get("STATUS_SCREENSHOT")

REQUESTS = 5
PROMPT_TOKENS, COMPLETION_TOKENS = 40, 10
INPUT_PER_MILLION, OUTPUT_PER_MILLION = 2.5, 10
RETRY_AFTER_SECONDS = 120
# The built-in error rules (Sources/SwitchboardConfig/Schema/ErrorRule+Defaults.swift): 429 is
# `rate_limited` (cooldown, honouring Retry-After), 401 is `unauthorized` (disable the key).
RATE_LIMITED, UNAUTHORIZED = "rate_limited", "unauthorized"

checks = 0
failures = []


def check(condition, what, detail=""):
    global checks
    checks += 1
    if condition:
        print(f"ok   {what}")
    else:
        failures.append(what)
        print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))


def http(method, url, token=None, body=None, timeout=10):
    """(status, headers, body bytes), for error statuses too."""
    headers = {"content-type": "application/json"} if body is not None else {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# MARK: - Traffic

def send_traffic():
    sent_at = []
    for index in range(REQUESTS):
        sent_at.append(time.time())
        status, _, raw = http("POST", f"{BASE}/v1/chat/completions", CLIENT_TOKEN, {
            "model": "chat", "messages": [{"role": "user", "content": f"hello {index + 1}"}]})
        answer = json.loads(raw) if status == 200 else {}
        check(status == 200, f"chat request {index + 1} answered 200", f"got {status}: {raw[:300]!r}")
        content = ((answer.get("choices") or [{}])[0].get("message") or {}).get("content")
        check(content == "fake answer", f"chat request {index + 1} answered by the mock upstream (not the template)",
              f"content {content!r}")
        usage = answer.get("usage") or {}
        check(usage.get("prompt_tokens") == PROMPT_TOKENS and usage.get("completion_tokens") == COMPLETION_TOKENS,
              f"chat request {index + 1} relays the upstream's usage", f"usage {usage}")
    status, _, raw = http("GET", f"{UPSTREAM}/requests")
    seen = [(r["key"], r["model"]) for r in json.loads(raw)] if status == 200 else []
    expected = [("key-limited", "gpt-test"), ("key-revoked", "gpt-test")] + [("key-valid", "gpt-test")] * REQUESTS
    check(seen == expected, "upstream saw key #1 (429), key #2 (401), then key #3 for every request (ordered rotation)",
          f"saw {seen}")
    return sent_at[0]


def check_access():
    for path in ("/status", "/status.json"):
        status, _, _ = http("GET", f"{BASE}{path}", CLIENT_TOKEN)
        check(status == 403, f"{path} with the client token is 403", f"got {status}")
        status, _, _ = http("GET", f"{BASE}{path}")
        check(status == 401, f"{path} without a token is 401", f"got {status}")
    status, headers, raw = http("GET", f"{BASE}/status", ADMIN_TOKEN)
    check(status == 200 and headers.get("content-type", "").startswith("text/html"),
          "/status with the admin token is 200 text/html", f"got {status} {headers.get('content-type')}")


# MARK: - Chromium over the DevTools protocol

def find_chromium():
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit("no chromium on PATH: apt-get install chromium (see .ci/run)")


class CDP:
    """One WebSocket to the browser; page commands go to an attached session (flat mode)."""

    def __init__(self, url, timeout=15):
        # Chromium refuses DevTools WebSockets that carry an Origin it does not allow: send none.
        self.ws = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass

    def _receive(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("DevTools: no answer in time")
        self.ws.settimeout(remaining)
        try:
            return json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutError("DevTools: no answer in time") from None

    def send(self, method, params=None, timeout=15, browser=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method and event.get("sessionId") == self.session:
                    return self.events.pop(index)
            reply = self._receive(deadline)
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression, timeout=15):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")


def start_chromium(profile):
    log = open(os.path.join(profile, "chromium.log"), "w+b")
    process = subprocess.Popen(
        [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1400,1000", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    active = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with open(active) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                return process, log, f"ws://127.0.0.1:{lines[0].strip()}{lines[1].strip()}"
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    log.seek(0)
    output = log.read().decode(errors="replace")
    stop_chromium(process, log)
    raise RuntimeError(f"chromium did not start its DevTools endpoint in 30 s:\n{output[-3000:]}")


def stop_chromium(process, log):
    if process.poll() is None:
        try:
            os.killpg(process.pid, 9)  # its own process group: the browser and its helpers
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    log.close()


# What the page shows, read from the rendered DOM: every route section, its summary line, and per target
# row the text of each column (by its header), the figures (dt → dd) of the two window columns, the keys
# and the failures.
READ_PAGE = r"""
(() => {
  const text = (node) => node ? node.innerText.replace(/\s+/g, ' ').trim() : null;
  return {
    title: document.title,
    scripts: document.scripts.length,
    refresh: (document.querySelector('meta[http-equiv="refresh"]') || {}).content || null,
    width: document.documentElement.scrollWidth,
    body: document.body.innerText,
    routes: [...document.querySelectorAll('section.route')].map((section) => {
      const headers = [...section.querySelectorAll('thead th')].map(text);
      const chart = section.querySelector('figure svg');
      return {
        id: section.id,
        heading: text(section.querySelector('h2')),
        summary: text(section.querySelector('.summary')),
        chart: chart ? {label: chart.getAttribute('aria-label'), width: chart.getBoundingClientRect().width,
                        height: chart.getBoundingClientRect().height, bars: chart.querySelectorAll('rect').length - 1}
                     : null,
        headers,
        targets: [...section.querySelectorAll('tr.target')].map((row) => {
          const cells = {};
          const figures = {};
          [...row.children].forEach((cell, index) => {
            cells[headers[index]] = text(cell);
            const dl = cell.querySelector('dl.figures');
            if (dl) {
              const pairs = {};
              dl.querySelectorAll('dt').forEach((dt) => { pairs[text(dt)] = text(dt.nextElementSibling); });
              figures[headers[index]] = pairs;
            }
          });
          return {
            state: row.dataset.state,
            name: text(row.querySelector('td.name')),
            cells, figures,
            keys: [...row.querySelectorAll('li.key')].map((li) => ({
              key: li.dataset.key, state: li.dataset.state, text: text(li),
              badge: getComputedStyle(li.querySelector('.state')).backgroundColor})),
            failures: [...row.querySelectorAll('ul.failures li')].map(text),
            charts: row.querySelectorAll('svg').length,
          };
        }),
      };
    }),
    keyUsage: [...document.querySelectorAll('svg[aria-label="upstream calls per key"] text')].map((t) => t.textContent),
  };
})()
"""


def read_page_in_chromium():
    profile = tempfile.mkdtemp(prefix="switchboard-status-chromium-")
    process = log = cdp = None
    try:
        process, log, url = start_chromium(profile)
        cdp = CDP(url)
        target = cdp.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        cdp.session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                               browser=True)["sessionId"]
        cdp.send("Page.enable")
        cdp.send("Network.enable")
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {ADMIN_TOKEN}"}})
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        navigation = cdp.send("Page.navigate", {"url": f"{BASE}/status"})
        if navigation.get("errorText"):
            raise RuntimeError(f"navigation failed: {navigation['errorText']}")
        cdp.wait_event("Page.loadEventFired", timeout=20)
        page = cdp.evaluate(READ_PAGE)
        if SCREENSHOT:
            shot = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, timeout=30)
            with open(SCREENSHOT, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print(f"saved a full-page screenshot to {SCREENSHOT}")
        return page
    except Exception:
        if log is not None and not log.closed:
            log.seek(0)
            print("chromium's output:\n" + log.read().decode(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        if cdp is not None:
            cdp.close()
        if process is not None:
            stop_chromium(process, log)
        shutil.rmtree(profile, ignore_errors=True)


# MARK: - What a person sees

def utc_clock(iso):
    """"HH:MM:SS" (UTC, as the page writes times) of an ISO 8601 date from status.json."""
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(datetime.timezone.utc).strftime("%H:%M:%S")


def iso_seconds(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def check_page(page, snapshot, first_sent):
    check(page["title"] == "Switchboard status", "the page is titled 'Switchboard status'", page["title"])
    check(page["scripts"] == 0, "the page runs no script", f"{page['scripts']} <script> elements")
    check(page["refresh"] == "10", "the page refreshes itself every 10 s", f"refresh {page['refresh']!r}")
    check(page["width"] <= 1400, "nothing overflows a 1400 px wide window", f"scroll width {page['width']}")
    body = page["body"]
    check("Switchboard status" in body and "Route chat" in body, "the body shows the heading and 'Route chat'")

    routes = {route["id"]: route for route in page["routes"]}
    check(list(routes) == ["route-chat"], "one route section, id route-chat", f"sections {list(routes)}")
    route = routes.get("route-chat")
    if route is None:
        return
    summary = route["summary"] or ""
    check(summary.startswith(f"Last 5 min: {REQUESTS} requests, success 100.0%, failover 0.0%"),
          f"the route says {REQUESTS} requests in the last 5 min, all answered, none failed over", summary)
    check(f"Last hour: {REQUESTS} requests" in summary and summary.endswith("cost 0.001"),
          "the route's hour shows the same requests and cost 0.001", summary)
    chart = route["chart"] or {}
    check(chart.get("width", 0) > 100 and chart.get("height", 0) > 20 and chart.get("bars", 0) >= 1,
          "the route's requests-per-minute chart is drawn with a bar", f"chart {chart}")

    targets = {target["name"]: target for target in route["targets"]}
    mock = next((t for name, t in targets.items() if name.startswith("mock [gpt-test]")), None)
    offline = next((t for name, t in targets.items() if name.startswith("offline")), None)
    check(mock is not None and offline is not None, "a row for mock [gpt-test] and one for offline",
          f"rows {list(targets)}")
    if mock is None:
        return
    check(route["targets"][0] is mock, "mock [gpt-test] is the first row (priority 1)")
    check(mock["cells"].get("#") == "1" and mock["state"] == "ready", "the mock row: priority 1, state ready",
          f"# {mock['cells'].get('#')!r}, state {mock['state']!r}")
    check(mock["cells"].get("State now") == "ready", "the mock row's 'State now' reads 'ready'",
          mock["cells"].get("State now"))
    check("2.5 in / 10 out per M tokens" in mock["name"], "the mock row shows its price", mock["name"])

    keys = {key["key"]: key for key in mock["keys"]}
    check(list(keys) == ["mock#1", "mock#2", "mock#3"], "the mock row lists keys mock#1, mock#2, mock#3",
          f"keys {list(keys)}")
    json_keys = {key["label"]: key for key in snapshot["routes"][0]["targets"][0]["keys"]}

    key1 = keys.get("mock#1", {})
    match = re.fullmatch(r"mock#1 cooling until (\d\d:\d\d:\d\d) \(in (?:(\d+) min )?(\d+) s\) "
                         r"Retry-After 2m \(rate_limited\), HTTP 429", key1.get("text") or "")
    check(key1.get("state") == "cooling" and match is not None,
          "mock#1 shows 'cooling until HH:MM:SS (in …) Retry-After 2m (rate_limited), HTTP 429'", key1)
    until = json_keys.get("mock#1", {}).get("until")
    if match and until:
        check(match.group(1) == utc_clock(until), "mock#1's 'until' time is status.json's until, in UTC",
              f"page {match.group(1)}, json {until}")
        seconds = int(match.group(2) or 0) * 60 + int(match.group(3))
        check(60 <= seconds <= RETRY_AFTER_SECONDS, "mock#1's countdown is at most the 2 minutes of Retry-After",
              key1["text"])
        check(abs(iso_seconds(until) - (first_sent + RETRY_AFTER_SECONDS)) <= 5,
              "mock#1 cools until about 120 s after the first request", f"until {until}")
    key2 = keys.get("mock#2", {})
    match = re.fullmatch(r"mock#2 disabled since (\d\d:\d\d:\d\d) unauthorized, HTTP 401", key2.get("text") or "")
    check(key2.get("state") == "disabled" and match is not None,
          "mock#2 shows 'disabled since HH:MM:SS unauthorized, HTTP 401'", key2)
    since = json_keys.get("mock#2", {}).get("since")
    if match and since:
        check(match.group(1) == utc_clock(since), "mock#2's 'since' time is status.json's since, in UTC",
              f"page {match.group(1)}, json {since}")
    key3 = keys.get("mock#3", {})
    check(key3.get("state") == "ready" and key3.get("text") == "mock#3 ready", "mock#3 shows 'ready'", key3)
    badges = [keys.get(k, {}).get("badge") for k in ("mock#1", "mock#2", "mock#3")]
    check(len(set(badges)) == 3, "the three key states have three different badge colours", f"{badges}")
    for line in (key1.get("text"), key2.get("text"), key3.get("text")):
        check(bool(line) and line in re.sub(r"[ \t]+", " ", body), f"the body text shows {line!r}")

    expected = {"requests": str(REQUESTS), "calls": str(REQUESTS + 2), "success per call": "71.4%",
                "tokens": f"{REQUESTS * PROMPT_TOKENS} in, {REQUESTS * COMPLETION_TOKENS} out", "cost": "0.001"}
    for column in ("Last 5 min", "Last hour"):
        figures = mock["figures"].get(column, {})
        shown = {name: figures.get(name) for name in expected}
        check(shown == expected, f"the mock row's '{column}': requests 5, calls 7, success 71.4%, "
              f"tokens 200 in, 50 out, cost 0.001", f"shows {figures}")
        latency = figures.get("p50 / p95") or ""
        check(re.fullmatch(r"\d+ ms / \d+ ms", latency) is not None,
              f"the mock row's '{column}' shows a p50 / p95 in ms", latency)
    rule_words = sorted(f"{name.replace('_', ' ')} 1" for name in (RATE_LIMITED, UNAUTHORIZED))
    check(sorted(mock["failures"]) == rule_words, f"the mock row's failures: {rule_words}", f"{mock['failures']}")
    check(mock["charts"] == 2, "the mock row draws its success-rate and latency charts", f"{mock['charts']} charts")

    if offline is not None:
        check(offline["state"] == "ready" and offline["cells"].get("Keys") == "no key",
              "the offline row: ready, no key", f"{offline['cells']}")
        check(offline["cells"].get("Last 5 min") == "no requests" and offline["cells"].get("Failed calls (hour)") == "none",
              "the offline row: no requests, no failures", f"{offline['cells']}")

    usage = page["keyUsage"]
    pairs = dict(zip(usage[0::2], usage[1::2]))
    check(pairs == {"mock#3": "5", "mock#1": "1", "mock#2": "1"} and usage[:2] == ["mock#3", "5"],
          "'Key usage, last hour' shows mock#3 5 first, then mock#1 1 and mock#2 1", f"{usage}")


def check_json(snapshot, first_sent):
    check([r["name"] for r in snapshot["routes"]] == ["chat"], "status.json has the route chat")
    route = snapshot["routes"][0]
    check(route["last_five_minutes"]["requests"] == REQUESTS and route["last_five_minutes"]["success_rate"] == 1,
          "status.json: the route's last 5 min has 5 requests, all answered", f"{route['last_five_minutes']}")
    target = route["targets"][0]
    check((target["provider"], target.get("model"), target["priority"], target["state"]) == ("mock", "gpt-test", 1, "ready"),
          "status.json: the first target is mock [gpt-test], priority 1, ready")
    cost = REQUESTS * (PROMPT_TOKENS * INPUT_PER_MILLION + COMPLETION_TOKENS * OUTPUT_PER_MILLION) / 1e6
    for window in ("last_five_minutes", "last_hour"):
        figures = target[window]
        shown = (figures["requests"], figures["attempts"], figures["successes"], figures["tokens_in"],
                 figures["tokens_out"], figures["cost_unknown"], figures["errors"])
        check(shown == (REQUESTS, REQUESTS + 2, REQUESTS, REQUESTS * PROMPT_TOKENS, REQUESTS * COMPLETION_TOKENS, 0,
                        {RATE_LIMITED: 1, UNAUTHORIZED: 1}),
              f"status.json: the mock target's {window} has 5 requests, 7 calls, 5 successes, 200/50 tokens, "
              "errors rate_limited 1 and unauthorized 1", f"{figures}")
        check(abs(figures["cost"] - cost) < 1e-12 and abs(figures["success_rate"] - REQUESTS / (REQUESTS + 2)) < 1e-9,
              f"status.json: the mock target's {window} costs {cost} with success rate 5/7",
              f"cost {figures['cost']}, success_rate {figures['success_rate']}")
    keys = {key["label"]: key for key in target["keys"]}
    key1, key2, key3 = keys.get("mock#1", {}), keys.get("mock#2", {}), keys.get("mock#3", {})
    check((key1.get("state"), key1.get("status"), key1.get("reason")) == ("cooling", 429, "Retry-After 2m (rate_limited)")
          and "until" in key1, "status.json: mock#1 cooling, 429, Retry-After 2m (rate_limited), with until", f"{key1}")
    check((key2.get("state"), key2.get("status"), key2.get("reason")) == ("disabled", 401, UNAUTHORIZED)
          and "since" in key2 and abs(iso_seconds(key2["since"]) - first_sent) <= 5,
          "status.json: mock#2 disabled, 401, unauthorized, since the first request", f"{key2}")
    check(key3 == {"label": "mock#3", "state": "ready"}, "status.json: mock#3 ready", f"{key3}")
    check(target["price"] == {"input_per_million": INPUT_PER_MILLION, "output_per_million": OUTPUT_PER_MILLION},
          "status.json: the mock target's price", f"{target['price']}")
    check(len(route["requests_per_minute"]) == 60 and sum(route["requests_per_minute"]) == REQUESTS,
          "status.json: 60 per-minute points with the 5 requests in them", f"{route['requests_per_minute']}")


def main():
    first_sent = send_traffic()
    check_access()
    status, _, raw = http("GET", f"{BASE}/status.json", ADMIN_TOKEN)
    check(status == 200, "/status.json with the admin token is 200", f"got {status}")
    snapshot = json.loads(raw)
    check_json(snapshot, first_sent)
    page = read_page_in_chromium()
    check_page(page, snapshot, first_sent)
    if failures:
        print("\nthe page's text as Chromium rendered it:\n" + page["body"], file=sys.stderr)
    print(f"status-page: {checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
