#!/usr/bin/env python3
"""Two or more builds of redress compared in alternating runs (see bench/README.md).

    python3 bench/ab.py OLD/redress NEW/redress [--endpoint create] [--rounds 4]
                        [--seconds 5] [--connections 64] [--warmup 2] [--data DIR]
                        [--out FILE]

On a shared machine a rate moves by a third from one minute to the next, so two builds are
compared run for run: in each round every build serves the same run once, on a fresh server
and data directory, the order turning round by round so that no build always goes first.
A run is what the suite measures (bench/run.py, same wrk script and checks): `hello`
(GET /healthz), `create` (POST /api/v1/complaints, durable), `get` (a complaint by
reference, signed in as a handler, over complaints created first) or `list` (the first page
of 50 of GET /api/v1/complaints as that handler sees it: their queue). Before the measured
run, `--warmup` seconds of the same requests (for `get`, and for `list` without `--data`: of
creates, which also fill the store).

`--data DIR` serves an existing data directory instead of a fresh one, for `get` and `list`
(a store of 1,000,000 complaints made by `redress import cfpb` from bench/make_volume_csv.py's
rows, as the suite's volume stage makes it): every run of every build serves it, one server at
a time, with the clock scheduler quiet; the handler the runs sign in as is added to it when it
lacks one. For `get` the references are then 10,000 picked at random from the store.

Prints each run (rate, p99, the server's CPU per request from /proc/PID/stat, and for creates
the writes a commit; then the CPU a request of each kind of server thread, by the names the
server gives them, from /proc/PID/task/*/stat, wrk's own, and the machine's busy cores, idle
and I/O wait from /proc/stat), then per build the mean and median over its rounds and its
ratio to the first build's; then one line AB_JSON {...} (also written to --out). Exits 1 when
a request was not answered as it should be, 2 on bad arguments. A benchmark, never a test.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as suite  # noqa: E402  (bench/run.py: the server, wrk and the checks)

ENDPOINTS = ("hello", "create", "get", "list")


def read_stat(path):
    """The name and the user and system CPU so far (seconds) in a /proc stat file: a
    process's /proc/PID/stat or one thread's /proc/PID/task/TID/stat."""
    with open(path) as f:
        raw = f.read()
    fields = raw.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return raw[raw.index("(") + 1:raw.rindex(")")], cpu


def cpu_seconds(pid):
    """User and system CPU of the whole process so far."""
    return read_stat(f"/proc/{pid}/stat")[1]


def thread_cpu_seconds(pid):
    """User and system CPU so far of each thread of a process, summed by thread name (the
    server names its threads: redress-io, redress-writer, redress-ckpt, ...). A thread that
    has ended is no longer listed."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name, cpu = read_stat(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue  # ended since the listing
        out[name] = out.get(name, 0.0) + cpu
    return out


def has_bench_user(db):
    """Whether the store at `db` has the user the runs sign in as."""
    return suite.sql_int(db, f"SELECT count(*) FROM users WHERE username = '{suite.USER}'") > 0


def one_run(binary, endpoint, args, tmp):
    """A data directory (fresh, or --data's) and a server for `binary`; the warm-up, then the
    measured run."""
    if args.data:
        data, extra = args.data, suite.QUIET_SCHEDULER
        if not has_bench_user(os.path.join(data, "redress.db")):
            suite.add_user(binary, data)
    else:
        data, extra = os.path.join(tmp, "data"), ()
        os.makedirs(data)
        suite.add_user(binary, data)
    server = suite.Server(binary, data, tmp, extra=extra)
    try:
        client = suite.login(server.port)
        auth = ("Authorization: Bearer " + client.token,)
        url, conns, warm = server.url, args.connections, f"{args.warmup}s"
        if endpoint == "hello":
            target, mode, headers = url + "/healthz", ["static"], ()
        elif endpoint == "create":
            target, mode, headers = url, ["create"], ()
        elif endpoint == "list":
            target, mode, headers = url + "/api/v1/complaints?limit=50", ["static"], auth
        else:
            target, headers = url, auth
            mode = ["get", os.path.join(tmp, "refs.txt")]
        fill = endpoint in ("get", "list") and not args.data
        if fill:
            suite.wrk(url, conns, warm, ["create"])
            suite.settle(client, ("POST", "/api/v1/complaints"))
        if endpoint == "get":
            suite.write_refs(os.path.join(data, "redress.db"), mode[1])
        if not fill and args.warmup > 0:
            suite.wrk(target, conns, warm, mode, headers)
            if endpoint == "create":
                suite.settle(client, ("POST", "/api/v1/complaints"))
        cpu0, threads0 = cpu_seconds(server.proc.pid), thread_cpu_seconds(server.proc.pid)
        run = suite.measure(client, endpoint, target, conns, f"{args.seconds}s", mode, headers,
                            wait=endpoint == "create")
        cpu1, threads1 = cpu_seconds(server.proc.pid), thread_cpu_seconds(server.proc.pid)
    finally:
        code = server.stop()
    if code != 0:
        run.setdefault("problems", []).append(f"the server exited with {code}")
    served = sum(run["statuses"].values())
    per_request = (lambda sec: round(sec / served * 1e6, 1)) if served else (lambda sec: None)
    run["server_cpu_us"] = per_request(cpu1 - cpu0)
    # What each kind of server thread spent a request (wrk's CPU and the machine's cores during
    # wrk's run are in `run` from suite.measure).
    run["thread_cpu_us"] = {name: per_request(sec - threads0.get(name, 0.0))
                            for name, sec in sorted(threads1.items())
                            if sec - threads0.get(name, 0.0) > 0}
    run["binary"] = binary
    return run


def mean_of(values):
    values = [v for v in values if v is not None]
    return round(statistics.mean(values), 1) if values else None


def summary(runs):
    rates = [r["rps"] for r in runs]
    p99s = [r["p99_ms"] for r in runs]
    names = sorted({name for r in runs for name in r["thread_cpu_us"]})
    return {"rounds": len(runs), "mean_rps": round(statistics.mean(rates), 1),
            "median_rps": round(statistics.median(rates), 1),
            "median_p99_ms": round(statistics.median(p99s), 3),
            "mean_server_cpu_us": mean_of(r["server_cpu_us"] for r in runs),
            # A thread kind missing from a run (no CPU in it) counts as 0 there.
            "mean_thread_cpu_us": {n: mean_of(r["thread_cpu_us"].get(n, 0.0) for r in runs)
                                   for n in names},
            "mean_wrk_cpu_us": mean_of(r["wrk_cpu_us"] for r in runs),
            "mean_busy_cores": mean_of(r["machine"]["busy_cores"] for r in runs)}


def threads_text(thread_cpu_us):
    return ", ".join(f"{name} {us}" for name, us in
                     sorted(thread_cpu_us.items(), key=lambda kv: -kv[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="+", metavar="BINARY")
    ap.add_argument("--endpoint", choices=ENDPOINTS, default="create")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--data", help="serve this existing data directory (get and list only)")
    ap.add_argument("--out")
    args = ap.parse_args()
    if len(args.binaries) < 2:
        ap.error("give at least two binaries to compare")
    for b in args.binaries:
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            ap.error(f"{b}: not an executable file")
    if args.rounds < 1 or args.seconds < 1 or args.connections < 1 or args.warmup < 0:
        ap.error("--rounds, --seconds and --connections must be at least 1, --warmup at least 0")
    if args.data and args.endpoint not in ("get", "list"):
        ap.error("--data is for --endpoint get or list: the other runs write to the store")
    if args.data and not os.path.isfile(os.path.join(args.data, "redress.db")):
        ap.error(f"--data {args.data}: no redress.db there")
    if args.endpoint in ("get", "list") and not args.data and args.warmup < 1:
        ap.error(f"--endpoint {args.endpoint} needs --warmup of at least 1 s (its creates fill "
                 "the store) or --data")
    if not shutil.which("wrk"):
        ap.error("wrk is not installed (Debian package wrk)")

    n = len(args.binaries)
    runs = {i: [] for i in range(n)}
    problems = []
    sequence = 0  # the runs' order over the whole comparison
    try:
        for rnd in range(args.rounds):
            for k in range(n):
                i = (rnd + k) % n  # each round starts with the next build
                with tempfile.TemporaryDirectory(prefix="redress-ab-") as tmp:
                    r = one_run(args.binaries[i], args.endpoint, args, tmp)
                r["round"], r["sequence"], r["binary_index"] = rnd, sequence, i
                sequence += 1
                runs[i].append(r)
                problems += [f"round {rnd}, {args.binaries[i]}: {p}"
                             for p in r.get("problems", [])]
                writer = r.get("writer", {})
                per_commit = (f", {writer['writes_per_batch']} writes a commit"
                              if writer.get("writes_per_batch") else "")
                m = r["machine"]
                print(f"round {rnd} build {i} ({args.binaries[i]}): {r['rps']:.0f}/s, "
                      f"p99 {r['p99_ms']:.2f} ms, server CPU {r['server_cpu_us']} us a request"
                      f"{per_commit}\n  threads (us a request): {threads_text(r['thread_cpu_us'])};"
                      f" wrk {r['wrk_cpu_us']}; the machine {m['busy_cores']} cores busy "
                      f"(idle {m['idle_pct']} %, I/O wait {m['iowait_pct']} %)", flush=True)
    finally:
        suite.stop_all()

    builds = []
    for i in range(n):
        s = summary(runs[i])
        s["binary"] = args.binaries[i]
        builds.append(s)
    base = builds[0]["mean_rps"]
    for i, s in enumerate(builds):
        s["rps_vs_first"] = round(s["mean_rps"] / base, 3) if base else None
        print(f"build {i} ({s['binary']}): mean {s['mean_rps']:.0f}/s, median "
              f"{s['median_rps']:.0f}/s, median p99 {s['median_p99_ms']:.2f} ms, server CPU "
              f"{s['mean_server_cpu_us']} us a request; {s['rps_vs_first']} of build 0's rate"
              f"\n  threads (us a request): {threads_text(s['mean_thread_cpu_us'])}; wrk "
              f"{s['mean_wrk_cpu_us']}; {s['mean_busy_cores']} cores busy")
    result = {"endpoint": args.endpoint, "connections": args.connections,
              "seconds": args.seconds, "rounds": args.rounds, "builds": builds,
              "runs": [r for i in range(n) for r in runs[i]], "problems": problems,
              "ok": not problems}
    print("AB_JSON " + json.dumps({k: v for k, v in result.items() if k != "runs"}))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    if problems:
        print("ab: FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
