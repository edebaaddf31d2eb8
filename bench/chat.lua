-- wrk script for bench/overhead.sh: POSTs a small OpenAI chat request and prints one machine-readable
-- line when done. Usage: wrk ... -s bench/chat.lua URL -- MODEL [STREAM] [RAW]
--   MODEL   the request's "model" (a Switchboard route or model id; nginx ignores it)
--   STREAM  "stream" to send "stream": true; anything else (e.g. "-") does not
--   RAW     "raw" to time every request here as well (only exact with one connection per thread, -tN -cN)
-- URL's path is used as is, e.g. http://127.0.0.1:18481/v1/chat/completions.
--
-- Why RAW: before done() runs, wrk "corrects" its latency histogram for coordinated omission
-- (stats_correct: every latency longer than the mean interval runtime/(requests/connections) adds
-- synthetic samples at latency - k*interval). With a closed loop of 1 connection at tens of thousands of
-- requests a second, one 3 ms scheduler stall becomes ~50 samples, so wrk's p90/p99 describe the
-- machine's stalls weighted by the request rate, not the requests. RAW percentiles are the measured
-- send-to-response times of the requests themselves (CLOCK_MONOTONIC through LuaJIT's ffi).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local model, stream, raw = "plain", false, false
hist = {} -- per thread: latency in whole microseconds → count (read by done() through thread:get)
local sent

function init(args)
  model = args[1] or model
  stream = args[2] == "stream"
  raw = args[3] == "raw"
  local body = string.format(
    '{"model":"%s","messages":[{"role":"system","content":"Be brief."},' ..
    '{"role":"user","content":"Explain server-sent events in one sentence."}],' ..
    '"max_tokens":64,"temperature":0.2%s}', model, stream and ',"stream":true' or "")
  req = wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer bench" }, body)
  if raw then
    response = function()
      if sent then
        local us = math.floor(now_us() - sent + 0.5)
        hist[us] = (hist[us] or 0) + 1
        sent = nil
      end
    end
  end
end

function request()
  if raw then sent = now_us() end
  return req
end

local function raw_percentiles()
  local merged, n = {}, 0
  for _, thread in ipairs(threads) do
    local h = thread:get("hist")
    if h then
      for us, count in pairs(h) do
        merged[us] = (merged[us] or 0) + count
        n = n + count
      end
    end
  end
  if n == 0 then return -1, -1, -1 end
  local keys = {}
  for us in pairs(merged) do keys[#keys + 1] = us end
  table.sort(keys)
  local out, targets, i, seen = {}, { 0.50, 0.90, 0.99 }, 1, 0
  for _, us in ipairs(keys) do
    seen = seen + merged[us]
    while i <= #targets and seen >= targets[i] * n do
      out[i] = us
      i = i + 1
    end
  end
  return out[1], out[2], out[3]
end

-- One line: BENCH key=value ...; latencies in microseconds. p50/p90/p99 are wrk's (corrected) histogram,
-- raw_p50/raw_p90/raw_p99 the per-request times when RAW was asked for (else -1).
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local r50, r90, r99 = raw_percentiles()
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f max_us=%d " ..
    "raw_p50_us=%d raw_p90_us=%d raw_p99_us=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    r50, r90, r99, e.connect, e.read, e.write, e.timeout, e.status))
end
