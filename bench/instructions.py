#!/usr/bin/env python3
"""Instructions per durable create, counted by Valgrind's callgrind (see bench/README.md).

    python3 bench/instructions.py [path/to/redress] [--seconds 20] [--connections 64]

A rate measured on a shared two-core machine moves by a third from one minute to the next;
the instructions a create executes do not. This runs the server under callgrind on a fresh
temporary store on 127.0.0.1, warms it with 3 s of creates (wrk and bench/lua/bench.lua, as
`make bench`), counts only the next SECONDS of creates, and prints the user-space instructions
per create of the whole process and of its parts, with one JSON line at the end. The creates
are the complaints the store gained while counting (SQLite's shell reads the store), each
count started and stopped once the creates in flight are written; on a machine so busy that
SECONDS of wrk leave none written, the creates go on, SECONDS at a time, until some are.

Callgrind runs every thread on one core at a fraction of the native speed; at 64 connections
a commit held 31 creates in one hour's run and 17.5 in another's (28-31 natively), at 16
about 8, and what a commit costs once (the roll-up rows, the full-text segment, the WAL
frames) weighs more per create when it holds fewer: compare runs at the same connections. The
kernel's share (TCP, pwrite, fdatasync) is not counted, and OpenSSL's SHA-256 runs without the
CPU's SHA instructions under Valgrind, so its count is above the native one. A tool for
comparing builds, not a target.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as suite  # noqa: E402  (bench/run.py: sql_int, the store read by SQLite's shell)

REPO = os.path.dirname(HERE)
LUA = os.path.join(HERE, "lua", "bench.lua")

# Parts of a create, by the function whose inclusive count is reported (a regular expression
# over callgrind_annotate's names) and what it counts once per call.
PARTS = [
    ("parse", r"redress::core::ParseJson\(", "the POST's body parsed (simdjson)"),
    ("validate", r"NewComplaintFrom<", "its fields checked into a receipt"),
    ("intake", r"PrepareIntake\(", "record, clocks, events, storage encoding, digests, 201 body"),
    ("writer_batch", r"SqliteStore::RunBatch\(std::vector<redress::store::WriteQueue::Item, "
     r"std::allocator<redress::store::WriteQueue::Item> >&, std::vector<redress::core::Result<"
     r"void>, std::allocator<redress::core::Result<void> > >&\) \[",
     "the writer: rows, indexes, roll-ups, commit"),
    ("insert_complaint", r"SqliteStore::Tx::InsertComplaint\(", "complaint row, facts row, indexes"),
    ("append_event", r"SqliteStore::Tx::AppendEvent\(", "the two intake events"),
    ("rollups", r"RollupBuffer::Flush\(", "roll-up rows, once a commit"),
    ("wal_frames", r"sqlite3WalFrames\b", "WAL frames, once a commit"),
    ("checkpoint", r"SqliteStore::CheckpointLoop\(", "checkpoints"),
]


def sanitized(binary):
    """Whether `binary` is built with AddressSanitizer, which Valgrind cannot run."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("the server exited before it answered")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("the server did not answer in %d s" % timeout)


def wrk(url, connections, seconds):
    # Callgrind's server answers slowly, the more so on a busy machine: a create that takes
    # longer than wrk's default 2 s would be a "timeout", not an answer.
    out = subprocess.run(["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--timeout",
                          "60s", "-s", LUA, url, "--", "create"],
                         capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("BENCH_JSON "))
    return json.loads(line[len("BENCH_JSON "):])


def settled(db, timeout=120):
    """The store's count of complaints (read by SQLite's shell while the server runs) once it
    has stopped moving for a second: the creates wrk left in flight when it stopped are
    written by then."""
    count = "SELECT count(*) FROM complaints"
    last, deadline = suite.sql_int(db, count), time.time() + timeout
    while time.time() < deadline:
        time.sleep(1.0)
        now = suite.sql_int(db, count)
        if now == last:
            return now
        last = now
    sys.exit("the store was still growing %d s after wrk stopped" % timeout)


def inclusive_counts(out_file):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file],
                          capture_output=True, text=True, check=True).stdout
    total = None
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in m.group(2):
            total = n
        else:
            rows.append((n, m.group(2)))
    return total, rows


def calls_of(out_file, pattern):
    """How many times the first function matching `pattern` was called (callgrind's tree)."""
    text = subprocess.run(["callgrind_annotate", "--tree=caller", "--threshold=100", out_file],
                          capture_output=True, text=True, check=True).stdout
    total = 0
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        target = [l for l in lines if re.search(r"\*  .*" + pattern, l)]
        if not target:
            continue
        for l in lines:
            m = re.search(r"<.*\(([\d,]+)x\)", l)
            if m:
                total += int(m.group(1).replace(",", ""))
        break
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary", nargs="?", default=os.path.join(REPO, "build", "redress"))
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    for tool in ("valgrind", "callgrind_annotate", "callgrind_control", "wrk"):
        if not shutil.which(tool):
            sys.exit("%s is not installed (Debian packages valgrind and wrk)" % tool)
    if sanitized(args.binary):
        print("%s is a sanitizer build, which Valgrind cannot run: count a Release build"
              % args.binary, file=sys.stderr)
        sys.exit(2)
    work = tempfile.mkdtemp(prefix="redress-instr-")
    try:
        count(args, work)
    finally:  # a failed count too: the store and callgrind's output are of no use after it
        shutil.rmtree(work, ignore_errors=True)


def count(args, work):
    """Runs the server under callgrind in `work`, counts, and prints the figures."""
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    out_file = os.path.join(work, "callgrind.out")
    db = os.path.join(work, "data", "redress.db")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + out_file,
         args.binary, "serve", "--data", os.path.join(work, "data"), "--listen",
         "127.0.0.1:%d" % port, "--policies", os.path.join(REPO, "policies")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = []
    try:
        wait_ready(url, proc)
        wrk(url, args.connections, 3)
        before = settled(db)
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = before
        while after == before and len(runs) < 10:
            runs.append(wrk(url, args.connections, args.seconds))
            after = settled(db)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    creates = after - before
    if any(r["errors"]["status"] for r in runs) or creates == 0:
        sys.exit("the creates did not all succeed (%d written): %s"
                 % (creates, json.dumps(runs)))
    total, rows = inclusive_counts(out_file)
    commits = calls_of(out_file, r"RollupBuffer::Flush\(")
    result = {"creates": creates, "commits": commits,
              "creates_per_commit": round(creates / commits, 1) if commits else None,
              "instructions_per_create": round(total / creates)}
    print("%-18s %12s  %s" % ("part", "instr/create", "what"))
    print("%-18s %12d  %s" % ("whole process", total / creates, "every thread"))
    for key, pattern, what in PARTS:
        n = next((n for n, name in rows if re.search(pattern, name)), 0)
        result[key] = round(n / creates)
        print("%-18s %12d  %s" % (key, n / creates, what))
    print("%d creates in %d commits (%.1f a commit) at %d connections under callgrind" %
          (creates, commits, creates / max(commits, 1), args.connections))
    print("INSTRUCTIONS_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
