-- wrk script for bench/run.py: one request shape per run, one JSON line at the end.
--
--   wrk ... -s bench/lua/bench.lua URL -- MODE [ARGS...]
--
-- static                 the URL as given (GET), with the -H headers: no request() and no
--                        response() hook, so wrk stays on its C fast path
-- create                 POST /api/v1/complaints, a valid public complaint; the description
--                        rotates over four texts (the search runs look for their words)
-- get FILE               GET /api/v1/complaints/{ref}, a random reference from FILE each time
-- search PATH TERMS      GET PATH&q=TERM, rotating over the comma-separated TERMS
-- action FILE ACT BODY   POST /api/v1/complaints/{ref}/ACT with BODY; each reference of FILE is
--                        used once: thread k of n takes lines k, k+n, k+2n... When a thread runs
--                        out it stops (its connections send GET /healthz until it has) and the
--                        run is marked exhausted (its rate is then meaningless, and run.py says
--                        so).
--
-- No mode defines response(): wrk would copy every response into Lua, which costs more than
-- the fastest routes take. Statuses are counted by the server (/metrics) instead; wrk's own
-- summary still counts every status > 399 in errors.status.
--
-- done() prints "BENCH_JSON {...}": requests, duration, socket errors, latency percentiles (ms)
-- and, for action, how many threads ran out of references.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local DESCRIPTIONS = {
  "I was charged a fee twice for one transfer and nobody has explained why.",
  "My mortgage payment was taken two times this month and the bank will not give it back.",
  "The branch refused to open an account for my mother and gave no reason.",
  "My card was declined at the supermarket although the app showed enough money.",
}

local function headers(extra)
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

local function read_lines(path)
  local lines = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  f:close()
  return lines
end

local function split(s, sep)
  local out = {}
  for part in string.gmatch(s, "([^" .. sep .. "]+)") do table.insert(out, part) end
  return out
end

local reqs = {}
local n_reqs = 0
local pos = 0
exhausted = 0

local function cycle()
  pos = pos % n_reqs + 1
  return reqs[pos]
end

local function random_pick()
  return reqs[math.random(n_reqs)]
end

-- wrk calls request() once on thread 0 before any thread runs, to check the request it
-- returns, and never sends that one: thread 0's first call only looks at its first request.
local peeked = true
-- Sent by a connection after its thread ran out of actions (until wrk stops it): a request
-- that changes nothing and is not counted as an action.
local spent = nil

local function once()
  if not peeked then
    peeked = true
    return reqs[1]
  end
  pos = pos + 1
  if pos > n_reqs then
    if exhausted == 0 then
      exhausted = 1
      wrk.thread:stop()
    end
    return spent
  end
  return reqs[pos]
end

function init(args)
  local mode = args[1] or "static"
  math.randomseed(os.time() * 1000 + (tid or 0))
  if mode == "static" then
    return  -- wrk builds one request from the URL and -H headers
  elseif mode == "create" then
    local h = headers({["Content-Type"] = "application/json"})
    for i, d in ipairs(DESCRIPTIONS) do
      local body = '{"complainant":{"name":"Bench Person","email":"bench@example.org"},' ..
        '"product":"Current account","description":"' .. d .. '",' ..
        '"remedy_requested":"Refund the money."}'
      reqs[i] = wrk.format("POST", "/api/v1/complaints", h, body)
    end
    n_reqs = #reqs
    pos = tid or 0
    request = cycle
  elseif mode == "get" then
    local h = headers()
    for _, ref in ipairs(read_lines(args[2])) do
      table.insert(reqs, wrk.format("GET", "/api/v1/complaints/" .. ref, h))
    end
    n_reqs = #reqs
    assert(n_reqs > 0, "no references in " .. args[2])
    request = random_pick
  elseif mode == "search" then
    local h = headers()
    for _, term in ipairs(split(args[3], ",")) do
      table.insert(reqs, wrk.format("GET", args[2] .. "&q=" .. term, h))
    end
    n_reqs = #reqs
    pos = tid or 0
    request = cycle
  elseif mode == "action" then
    local h = headers({["Content-Type"] = "application/json"})
    local nthreads = tonumber(args[5] or "1")
    local me = tid or 0
    for i, ref in ipairs(read_lines(args[2])) do
      if (i - 1) % nthreads == me then
        table.insert(reqs,
          wrk.format("POST", "/api/v1/complaints/" .. ref .. "/" .. args[3], h, args[4]))
      end
    end
    n_reqs = #reqs
    assert(n_reqs > 0, "no references for thread " .. me)
    spent = wrk.format("GET", "/healthz", headers())
    peeked = me ~= 0
    request = once
  else
    error("unknown mode " .. mode)
  end
end

function done(summary, latency, requests)
  local ran_out = 0
  for _, t in ipairs(threads) do
    ran_out = ran_out + (t:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.6f,"exhausted_threads":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_ms":{"mean":%.3f,"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}}\n',
    summary.requests, summary.duration / 1e6, ran_out,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean / 1e3, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
end
