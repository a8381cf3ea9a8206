-- wrk script for bench/http_smoke.sh: one request shape per run, statuses counted.
--
--   wrk ... -s bench/lua/smoke.lua http://127.0.0.1:PORT -- hello|create
--
-- hello:  GET /healthz
-- create: POST /api/v1/complaints with a valid public complaint (durable: 201 after commit)
--
-- Both modes go through the same request()/response() hooks, so the Lua overhead is equal.
-- done() prints one line, "SMOKE_JSON {...}", that the shell script parses: requests,
-- duration, per-status counts, socket errors and latency percentiles in milliseconds.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local COMPLAINT = '{"complainant":{"name":"Bench Person","email":"bench@example.org"},' ..
  '"product":"Current account","description":"I was charged a fee twice for one transfer.",' ..
  '"remedy_requested":"Refund the second fee."}'

function init(args)
  local mode = args[1] or "hello"
  if mode == "create" then
    req = wrk.format("POST", "/api/v1/complaints",
                     {["Content-Type"] = "application/json"}, COMPLAINT)
  elseif mode == "hello" then
    req = wrk.format("GET", "/healthz")
  else
    error("mode must be hello or create, not " .. mode)
  end
  statuses = {}
end

function request()
  return req
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for status, n in pairs(s) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'SMOKE_JSON {"requests":%d,"duration_s":%.6f,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_ms":{"mean":%.3f,"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}}\n',
    summary.requests, summary.duration / 1e6, table.concat(parts, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean / 1e3, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
end
