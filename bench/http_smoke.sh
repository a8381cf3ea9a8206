#!/usr/bin/env bash
# HTTP smoke benchmark: durable complaint create vs. GET /healthz on the same binary.
#
#   bench/http_smoke.sh [path/to/redress]        (default: build/redress; builds nothing)
#
# Starts `redress serve` on 127.0.0.1 with a fresh temporary data dir, runs wrk against
# GET /healthz ("hello") and POST /api/v1/complaints ("create") at 1, 16 and 64 connections,
# then checks the durability promise: the complaints table holds exactly as many rows as the
# server sent 201s, and the 201s wrk saw account for them (see bench/README.md for why wrk's
# own count can fall short by the requests in flight at its deadline). Prints a table and the
# JSON, writes bench/results/smoke.json, exits 1 when a check fails. A benchmark, never a test:
# the numbers are reported, not asserted.
#
# Environment: SMOKE_DURATION (wrk -d, default 10s), SMOKE_CONFIGS (default "1:1 2:16 2:64",
# threads:connections; the last one is the headline), SMOKE_IO_THREADS (server --io-threads,
# default: one per core).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/.." && pwd)"
bin="${1:-build/redress}"
duration="${SMOKE_DURATION:-10s}"
configs="${SMOKE_CONFIGS:-1:1 2:16 2:64}"
results_dir="$here/results"
lua="$here/lua/smoke.lua"

die() { echo "http_smoke: $*" >&2; exit 2; }
[[ -x "$bin" ]] || die "no executable at $bin (build it first, or pass its path)"
for tool in wrk sqlite3 jq curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed (Debian package: $tool)"
done
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/redress-smoke.XXXXXX")"
data="$tmp/data"
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$tmp/server.log" ]]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 20 "$tmp/server.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- server ------------------------------------------------------------------------------------
serve_args=(serve --data "$data" --listen 127.0.0.1:0 --policies "$src/policies")
[[ -n "${SMOKE_IO_THREADS:-}" ]] && serve_args+=(--io-threads "$SMOKE_IO_THREADS")
"$bin" "${serve_args[@]}" >"$tmp/stdout" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 300); do
  if line="$(grep -m1 '^redress listening on ' "$tmp/stdout" 2>/dev/null)"; then
    port="${line##*:}"
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { echo "http_smoke: the server exited" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "http_smoke: the server did not start" >&2; exit 1; }
url="http://127.0.0.1:$port"
db="$data/redress.db"

rows() { sqlite3 -readonly "$db" 'SELECT count(*) FROM complaints'; }
# 201s the server itself sent for POST /api/v1/complaints (its /metrics counter).
server_201() {
  curl -fsS "$url/metrics" |
    awk '/^redress_http_requests_total\{/ && /POST/ && /\/api\/v1\/complaints"/ && /"201"/ {n += $NF}
         END {print n + 0}'
}
# Waits until in-flight creates (answered after wrk hung up) are done: two equal readings.
settle() {
  local a b
  a="$(server_201)"
  while sleep 0.5; b="$(server_201)"; [[ "$a" != "$b" ]]; do a="$b"; done
}

run_wrk() {  # threads connections mode -> SMOKE_JSON object on stdout
  local out
  out="$(wrk -t"$1" -c"$2" -d"$duration" --latency -s "$lua" "$url" -- "$3")"
  grep '^SMOKE_JSON ' <<<"$out" | sed 's/^SMOKE_JSON //'
}

# --- runs --------------------------------------------------------------------------------------
runs="[]"
ok=true
for cfg in $configs; do
  t="${cfg%%:*}" c="${cfg##*:}"
  hello="$(run_wrk "$t" "$c" hello)"
  rows0="$(rows)" s0="$(server_201)"
  create="$(run_wrk "$t" "$c" create)"
  settle
  rows1="$(rows)" s1="$(server_201)"
  run="$(jq -n --argjson t "$t" --argjson c "$c" --argjson hello "$hello" \
      --argjson create "$create" --argjson rows "$((rows1 - rows0))" \
      --argjson server "$((s1 - s0))" '
    def rps(r): r.requests / r.duration_s;
    ($create.statuses["201"] // 0) as $seen
    | {threads: $t, connections: $c,
       hello_rps: rps($hello), hello_p50_ms: $hello.latency_ms.p50,
       hello_p99_ms: $hello.latency_ms.p99, hello_statuses: $hello.statuses,
       create_rps: rps($create), create_p50_ms: $create.latency_ms.p50,
       create_p99_ms: $create.latency_ms.p99, create_statuses: $create.statuses,
       create_errors: $create.errors,
       created_201: $seen, server_201: $server, rows_in_store: $rows,
       ratio: (rps($create) / rps($hello)),
       rows_match_server_201: ($rows == $server),
       rows_match_seen_201: ($rows >= $seen and $rows - $seen <= $c)}')"
  jq -e '.rows_match_server_201 and .rows_match_seen_201' <<<"$run" >/dev/null || ok=false
  runs="$(jq --argjson r "$run" '. + [$r]' <<<"$runs")"
done

total_rows="$(rows)"
commit="$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ "$commit" != unknown ]] && ! git -C "$src" diff --quiet HEAD -- src 2>/dev/null; then
  commit="$commit-dirty"
fi
result="$(jq -n --argjson runs "$runs" --argjson total "$total_rows" --arg commit "$commit" \
    --argjson nproc "$(nproc)" --arg duration "$duration" --argjson ok "$ok" \
    --arg wrk "$(wrk --version 2>&1 | head -1 | awk '{print $2}')" '
  ($runs | last) as $h
  | {hello_rps: ($h.hello_rps | floor), create_rps: ($h.create_rps | floor),
     create_p99_ms: $h.create_p99_ms, hello_p99_ms: $h.hello_p99_ms,
     created_201: ($runs | map(.created_201) | add),
     server_201: ($runs | map(.server_201) | add),
     rows_in_store: $total,
     ratio: (($h.create_rps / $h.hello_rps) * 1000 | round / 1000),
     headline: "\($h.threads) threads, \($h.connections) connections",
     ok: ($ok and $total == ($runs | map(.server_201) | add)),
     commit: $commit, nproc: $nproc, duration: $duration, wrk: $wrk,
     runs: $runs}')"

mkdir -p "$results_dir"
printf '%s\n' "$result" >"$results_dir/smoke.json"

# --- report ------------------------------------------------------------------------------------
{
  printf '%-6s %-5s %12s %9s %9s %12s %11s %10s %6s\n' \
    conns what req/s p50_ms p99_ms statuses seen_201 rows ratio
  jq -r '.runs[] |
    [(.connections|tostring), "hello", (.hello_rps|floor|tostring),
     (.hello_p50_ms*100|round/100|tostring), (.hello_p99_ms*100|round/100|tostring),
     (.hello_statuses|to_entries|map("\(.key):\(.value)")|join(",")), "-", "-", "-"],
    [(.connections|tostring), "create", (.create_rps|floor|tostring),
     (.create_p50_ms*100|round/100|tostring), (.create_p99_ms*100|round/100|tostring),
     (.create_statuses|to_entries|map("\(.key):\(.value)")|join(",")),
     (.created_201|tostring), "\(.rows_in_store)/\(.server_201)",
     (.ratio*1000|round/1000|tostring)] | @tsv' <<<"$result" |
    while IFS=$'\t' read -r a b c d e f g h i; do
      printf '%-6s %-5s %12s %9s %9s %12s %11s %10s %6s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i"
    done
  echo "(rows = complaints rows added by the run / 201s the server sent; ratio = create/hello)"
} >&2
printf '%s\n' "$result"

if [[ "$(jq -r .ok <<<"$result")" != true ]]; then
  echo "http_smoke: FAILED: the store does not hold one row per 201 (see runs[] in" \
       "$results_dir/smoke.json)" >&2
  exit 1
fi
