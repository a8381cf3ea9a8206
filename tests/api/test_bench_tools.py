"""The bench programs' own tools, shortened: bench/lua/bench.lua's action mode, the targets'
verdicts in bench/run.py, bench/instructions.py under callgrind and bench/ab.py's alternating
runs. Their figures are not checked (the benchmarks report them); what each checks is said in
its class. Apart from test_bench_suite, which runs alone: these load the machine briefly and
check counts, not rates, so they run beside other tests.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402

sys.path.insert(0, os.path.join(h.SOURCE_DIR, "bench"))
import instructions  # noqa: E402  (bench/instructions.py: what it can count)
import run as bench_run  # noqa: E402  (bench/run.py: the targets and their verdicts)

DATA = os.path.normpath(os.path.join(h.SOURCE_DIR, "..", "shared", "data"))


@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
class ActionScriptTest(unittest.TestCase):
    """bench/lua/bench.lua's action mode against a server that records what it is sent: each
    reference is acted on exactly once, the one wrk asks for before its threads start too, and a
    thread that ran out sends nothing that acts again."""

    REFS = 300

    def test_each_reference_is_acted_on_once(self):
        seen, lock = [], threading.Lock()

        class Recorder(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                with lock:
                    seen.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # wrk closes its connections mid-request when it stops

        server = Server(("127.0.0.1", 0), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                refs = [f"CMP-2026-{i:06d}" for i in range(1, self.REFS + 1)]
                path = os.path.join(tmp, "refs.txt")
                with open(path, "w") as f:
                    f.write("\n".join(refs) + "\n")
                p = subprocess.run(
                    ["wrk", "-t2", "-c4", "-d5s", "-s",
                     os.path.join(h.SOURCE_DIR, "bench", "lua", "bench.lua"),
                     f"http://127.0.0.1:{server.server_address[1]}", "--", "action", path,
                     "assess", "{}", "2"],
                    capture_output=True, text=True, timeout=60)
        finally:
            server.shutdown()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"exhausted_threads":2', p.stdout)
        actions = [path for command, path in seen if command == "POST"]
        self.assertEqual(sorted(actions), sorted(f"/api/v1/complaints/{r}/assess" for r in refs))
        self.assertEqual({(c, q) for c, q in seen if c != "POST"} - {("GET", "/healthz")}, set())


class TargetsTest(unittest.TestCase):
    """bench/run.py's verdicts on the targets, from figures given to it."""

    FULL = {"create_rps": 20000, "create_p99_ms": 20.0, "hello_rps": 50000,
            "create_hello_ratio": 0.4, "get_rps": 39999.9, "volume_complaints": 1_000_000,
            "volume_get_p99_ms_at_1": 0.4, "volume_list_p99_ms_at_1": 0.5,
            "volume_deep_list_p99_ms_at_1": 0.5, "volume_list_p99_ms": 9.0,
            "volume_deep_list_p99_ms": 9.1, "import_rows_per_s": 25000, "volume_rss_mb": 240}

    def verdicts(self, flat, headline=64):
        return {t["key"]: t["met"] for t in bench_run.targets(flat, headline)}

    def test_bounds_and_comparisons(self):
        v = self.verdicts(self.FULL)
        self.assertIs(v["create_rps"], True)        # at least 20,000: the bound itself meets it
        self.assertIs(v["create_p99_ms"], False)    # below 20 ms: 20.0 does not
        self.assertIs(v["create_hello_ratio"], True)
        self.assertIs(v["get_rps"], False)
        self.assertIs(v["volume_deep_list_p99_ms_at_1"], True)  # as fast as the first page
        self.assertIs(v["volume_deep_list_p99_ms"], False)      # slower than the first page
        self.assertIs(v["import_rows_per_s"], False)
        self.assertIs(v["volume_rss_mb"], True)
        self.assertIsNone(v["volume_search_p99_ms"])  # not in the figures: not measured
        deep = next(t for t in bench_run.targets(self.FULL, 64)
                    if t["key"] == "volume_deep_list_p99_ms")
        self.assertEqual((deep["bound_key"], deep["bound"]), ("volume_list_p99_ms", 9.0))

    def test_not_judged_off_64_connections_or_below_a_million(self):
        v = self.verdicts(self.FULL, headline=16)
        for key in ("create_rps", "create_p99_ms", "get_rps", "volume_deep_list_p99_ms"):
            self.assertIsNone(v[key], key)
        self.assertIs(v["volume_rss_mb"], True)  # not a figure of the headline's runs
        v = self.verdicts(dict(self.FULL, volume_complaints=999_999))
        for key in ("volume_get_p99_ms_at_1", "import_rows_per_s", "volume_rss_mb"):
            self.assertIsNone(v[key], key)
        self.assertIs(v["create_rps"], True)


@unittest.skipUnless(shutil.which("valgrind") and shutil.which("wrk"),
                     "valgrind or wrk is not installed")
@unittest.skipIf(instructions.sanitized(h.BIN), "a sanitizer build: Valgrind cannot run it")
class InstructionsTest(unittest.TestCase):
    """bench/instructions.py, shortened: two seconds of counted creates under callgrind. Its
    counts are not checked (they are what it reports), only that every part was found: a
    renamed function would otherwise read as 0 instructions."""

    def test_counts_every_part_of_a_create(self):
        p = subprocess.run([sys.executable, os.path.join(h.SOURCE_DIR, "bench", "instructions.py"),
                            h.BIN, "--seconds", "2", "--connections", "4"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-4000:])
        line = next(l for l in p.stdout.splitlines() if l.startswith("INSTRUCTIONS_JSON "))
        j = json.loads(line[len("INSTRUCTIONS_JSON "):])
        self.assertGreater(j["creates"], 0)
        self.assertGreater(j["commits"], 0)
        self.assertLessEqual(j["commits"], j["creates"])
        for part in ("parse", "validate", "intake", "writer_batch", "insert_complaint",
                     "append_event", "rollups", "wal_frames"):
            self.assertGreater(j[part], 0, part)
            self.assertLess(j[part], j["instructions_per_create"], part)


@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
class AbTest(unittest.TestCase):
    """bench/ab.py, shortened: one-second runs at 4 connections. The rates are not checked
    (they are what it reports); what is: every run is the one asked for on a server of its own,
    the builds take turns going first, and each build's summary is the sum of its runs."""

    AB = os.path.join(h.SOURCE_DIR, "bench", "ab.py")

    def ab(self, *args):
        return subprocess.run([sys.executable, self.AB, *args], capture_output=True, text=True,
                              timeout=300)

    def test_compares_builds_run_for_run_in_turn(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ab.json")
            p = self.ab(h.BIN, h.BIN, "--endpoint", "create", "--rounds", "2", "--seconds", "1",
                        "--connections", "4", "--warmup", "1", "--out", out)
            self.assertEqual(p.returncode, 0, p.stderr[-4000:])
            with open(out) as f:
                j = json.load(f)
        self.assertTrue(j["ok"], j["problems"])
        self.assertEqual(len(j["runs"]), 4)
        by = {(r["round"], r["binary_index"]): r for r in j["runs"]}
        self.assertEqual(set(by), {(0, 0), (0, 1), (1, 0), (1, 1)})
        # Round 0 starts with build 0, round 1 with build 1.
        self.assertLess(by[(0, 0)]["sequence"], by[(0, 1)]["sequence"])
        self.assertLess(by[(1, 1)]["sequence"], by[(1, 0)]["sequence"])
        self.assertLess(by[(0, 1)]["sequence"], by[(1, 1)]["sequence"])
        for r in j["runs"]:
            self.assertEqual(r["endpoint"], "create")
            self.assertEqual(r["connections"], 4)
            self.assertEqual(set(r["statuses"]), {"201"}, r)
            self.assertGreater(r["statuses"]["201"], 0, r)
            self.assertGreater(r["server_cpu_us"], 0, r)
            # A fresh store each run: the writer's writes are the warm-up's and the run's only.
            self.assertGreaterEqual(r["writer"]["writes"], r["statuses"]["201"], r)
            # The server's threads by the names it gives them: a create is read and answered on
            # the I/O threads and written by the writer; together they are the process's CPU
            # (each thread's ticks rounded on their own, and threads that ended not listed).
            threads = r["thread_cpu_us"]
            self.assertGreater(threads.get("redress-io", 0), 0, threads)
            self.assertGreater(threads.get("redress-writer", 0), 0, threads)
            tick_us = 1e6 / os.sysconf("SC_CLK_TCK") / r["statuses"]["201"]
            self.assertLessEqual(sum(threads.values()),
                                 r["server_cpu_us"] + (len(threads) + 1) * tick_us, r)
            self.assertGreater(r["wrk_cpu_us"], 0, r)
            m = r["machine"]
            self.assertGreater(m["busy_cores"], 0, m)
            self.assertLessEqual(m["busy_cores"], os.cpu_count(), m)
            self.assertLessEqual(m["idle_pct"] + m["iowait_pct"], 100, m)
        for i, build in enumerate(j["builds"]):
            rates = [r["rps"] for r in j["runs"] if r["binary_index"] == i]
            self.assertEqual(build["rounds"], 2)
            self.assertAlmostEqual(build["mean_rps"], sum(rates) / 2, delta=0.1)
            writer = [r["thread_cpu_us"].get("redress-writer", 0.0) for r in j["runs"]
                      if r["binary_index"] == i]
            self.assertAlmostEqual(build["mean_thread_cpu_us"]["redress-writer"],
                                   sum(writer) / 2, delta=0.1)
        self.assertEqual(j["builds"][0]["rps_vs_first"], 1.0)
        self.assertEqual(p.stdout.count("round "), 4)
        self.assertEqual(p.stdout.count("threads (us a request): "), 6)  # 4 runs, 2 builds
        self.assertIn("AB_JSON ", p.stdout)

    @unittest.skipUnless(os.path.isdir(DATA), f"no shared data at {DATA}")
    def test_lists_an_existing_store_without_changing_its_complaints(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            sample = os.path.join(DATA, "cfpb-2025-06-export-head.csv.gz")
            imp = subprocess.run([h.BIN, "import", "cfpb", sample, "--data", data],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(imp.returncode, 0, imp.stderr)
            db = os.path.join(data, "redress.db")
            before = bench_run.sql_int(db, "SELECT count(*) FROM complaints")
            self.assertGreater(before, 50)
            out = os.path.join(tmp, "ab.json")
            p = self.ab(h.BIN, h.BIN, "--endpoint", "list", "--data", data, "--rounds", "1",
                        "--seconds", "1", "--connections", "4", "--warmup", "0", "--out", out)
            self.assertEqual(p.returncode, 0, p.stderr[-4000:])
            with open(out) as f:
                j = json.load(f)
            # Both builds listed the same store, which gained the handler and nothing else.
            self.assertEqual(bench_run.sql_int(db, "SELECT count(*) FROM complaints"), before)
            self.assertEqual(bench_run.sql_int(
                db, f"SELECT count(*) FROM users WHERE username = '{bench_run.USER}'"), 1)
        self.assertTrue(j["ok"], j["problems"])
        self.assertEqual(len(j["runs"]), 2)
        for r in j["runs"]:
            self.assertEqual(r["endpoint"], "list")
            self.assertEqual(set(r["statuses"]), {"200"}, r)
            self.assertGreater(r["statuses"]["200"], 0, r)
            self.assertGreater(r["server_cpu_us"], 0, r)

    def test_bad_arguments_exit_2_and_run_nothing(self):
        empty = tempfile.mkdtemp()  # a data directory without a store
        self.addCleanup(shutil.rmtree, empty, True)
        for args, message in (([h.BIN], "at least two binaries"),
                              ([h.BIN, "/nonexistent/redress"], "not an executable file"),
                              ([h.BIN, h.BIN, "--rounds", "0"], "at least 1"),
                              ([h.BIN, h.BIN, "--endpoint", "search"], "invalid choice"),
                              ([h.BIN, h.BIN, "--endpoint", "create", "--data", empty],
                               "--data is for --endpoint get or list"),
                              ([h.BIN, h.BIN, "--endpoint", "list", "--data", empty],
                               "no redress.db there"),
                              ([h.BIN, h.BIN, "--endpoint", "list", "--warmup", "0"],
                               "needs --warmup of at least 1 s")):
            p = self.ab(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(message, p.stderr, args)
            self.assertNotIn("round ", p.stdout, args)


if __name__ == "__main__":
    unittest.main()
