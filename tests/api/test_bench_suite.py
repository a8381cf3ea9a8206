"""`bench/run.py`, the suite `make bench` runs, shortened: one-second wrk runs at 1 and 4
connections (creates with outgoing mail on at 4), a volume store of 3,000 imported
complaints, an analytics store of 3,000, no PostgreSQL stage. Its figures are not checked
here (the benchmarks report them); what is checked is that every stage runs to the end
against this build's binary, that the JSON holds every key bench/README.md promises, and that
the suite's own correctness checks held: one complaint in the store per 201 sent (and, with
mail on, one queued acknowledgement), the volume store as big as asked, the dashboard
counting every generated complaint.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402

sys.path.insert(0, os.path.join(h.SOURCE_DIR, "bench"))
import run as bench_run  # noqa: E402  (bench/run.py: the targets and their verdicts)

DATA = os.path.normpath(os.path.join(h.SOURCE_DIR, "..", "shared", "data"))
RUN = os.path.join(h.SOURCE_DIR, "bench", "run.py")
ROWS = 3000

# The keys the issue and bench/README.md name, each a figure or a count.
FIGURES = ["hello_rps", "create_rps", "create_p99_ms", "get_rps", "get_p99_ms", "list_rps",
           "list_p99_ms", "search_rps", "search_p99_ms", "action_rps", "action_p99_ms",
           "create_mail_rps", "create_mail_p99_ms",
           "import_rows_per_s", "volume_get_p99_ms", "volume_get_p99_ms_at_1",
           "volume_list_p99_ms", "volume_deep_list_p99_ms", "volume_search_p99_ms",
           "volume_count_p99_ms", "volume_rss_mb", "volume_db_mb",
           "analytics_dashboard_all_time_ms"]


@unittest.skipUnless(os.path.isdir(DATA), f"no shared data at {DATA}")
@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
class BenchSuiteTest(unittest.TestCase):
    def test_a_short_suite_runs_every_stage_and_its_checks_hold(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "latest.json")
            env = dict(os.environ, BENCH_DURATION="1s", BENCH_CONNECTIONS="1 4",
                       BENCH_HEADLINE="4", BENCH_PG="0", BENCH_VOLUME_ROWS=str(ROWS),
                       BENCH_VOLUME_CONNECTIONS="1 4", BENCH_DEEP_PAGES="3",
                       BENCH_ANALYTICS_ROWS=str(ROWS), BENCH_DATA_DIR=DATA, BENCH_OUT=out)
            p = subprocess.run([sys.executable, RUN, h.BIN], env=env, capture_output=True,
                               text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr[-4000:])
            with open(out) as f:
                j = json.load(f)

        self.assertTrue(j["ok"], j["problems"])
        self.assertEqual(j["problems"], [])
        for key in FIGURES:
            self.assertIsInstance(j.get(key), (int, float), key)
            self.assertGreater(j[key], 0, key)
        self.assertGreater(j["created_201"], 0)
        self.assertEqual(j["created_201"], j["rows_in_store"])
        self.assertEqual(j["volume_loader"], "redress import cfpb")
        self.assertEqual(j["volume_complaints"], ROWS)
        self.assertEqual(j["analytics"]["rows"], ROWS)
        self.assertEqual(j["nproc"], os.cpu_count())
        self.assertRegex(j["commit"], r"^[0-9a-f]{7,40}")
        self.assertIn("intake_bench", j["micro"])
        # Every endpoint ran at both connection counts and got only its success status.
        runs = {(r["endpoint"], r["connections"]): r for r in j["http"]["runs"]}
        for endpoint in ("hello", "create", "get", "list", "search", "action"):
            for conns in (1, 4):
                run = runs.get((endpoint, conns))
                self.assertIsNotNone(run, (endpoint, conns))
                self.assertTrue(run["ok"], run)
                self.assertGreater(run["requests"], 0, run)
        check = j["http"]["check"]
        self.assertTrue(check["rows_match"] and check["actions_match"], check)
        self.assertEqual(check["action_200"], check["assessed_in_store"])
        self.assertEqual(check["server_exit"], 0)
        # With outgoing mail on, every complaint acknowledged has its acknowledgement queued.
        mail = j["mail"]["check"]
        self.assertGreater(mail["created_201"], 0)
        self.assertEqual(mail["rows_in_store"], mail["created_201"])
        self.assertEqual(mail["acknowledgements_queued"], mail["created_201"])
        self.assertTrue(mail["match"])
        self.assertEqual(mail["server_exit"], 0)
        self.assertEqual([(r["endpoint"], r["connections"]) for r in j["mail"]["runs"]],
                         [("create", 4)])
        self.assertIn("writer at create with mail c=4:", p.stdout)
        # Every get looked for a kept view: some found one, the first of each complaint did not.
        gets = sum(r["requests"] for r in j["http"]["runs"] if r["endpoint"] == "get")
        self.assertGreater(j["get_view_hits"], 0)
        self.assertGreater(j["get_view_misses"], 0)
        self.assertGreaterEqual(j["get_view_hits"] + j["get_view_misses"], gets)
        # Each create run says what the store's writer did: its writes are the run's creates.
        for conns in (1, 4):
            run = runs[("create", conns)]
            w = run["writer"]
            self.assertGreaterEqual(w["writes"], run["statuses"]["201"], w)
            self.assertGreaterEqual(w["batches"], 1, w)
            self.assertLessEqual(w["batches"], w["writes"], w)
            self.assertEqual(w["batch"]["n"], w["batches"], w)
            self.assertGreaterEqual(w["flush"]["n"], 1, w)
            self.assertGreater(w["flush"]["mean_ms"], 0, w)
            # The slowest commit's bucket bounds the 99th percentile's, and the mean (None:
            # past the last bucket, 2.5 s, which a busy machine's disk can take).
            for hist in (w["batch"], w["flush"]):
                slowest = math.inf if hist["all_within_ms"] is None else hist["all_within_ms"]
                if hist["p99_within_ms"] is not None:
                    self.assertGreaterEqual(slowest, hist["p99_within_ms"], w)
                else:
                    self.assertIsNone(hist["all_within_ms"], w)
                self.assertGreaterEqual(slowest, hist["mean_ms"], w)
        self.assertNotIn("writer", runs[("hello", 4)])
        self.assertIsInstance(j["create_writes_per_batch"], (int, float))
        self.assertIsInstance(j["create_flushes_over_10ms"], int)
        self.assertIn("writer at create c=4:", p.stdout)
        self.assertIn("durability:", p.stdout)
        self.assertIn("headline (4 connections)", p.stdout)
        # Each target is listed; at 4 connections and 3,000 complaints none of them is judged.
        self.assertEqual([t["key"] for t in j["targets"]], [t[0] for t in bench_run.TARGETS])
        self.assertTrue(all(t["met"] is None for t in j["targets"]), j["targets"])
        self.assertAlmostEqual(j["create_hello_ratio"], j["create_rps"] / j["hello_rps"],
                               places=3)
        self.assertIn("targets (missed ones do not fail the run):", p.stdout)
        self.assertIn("not measured", p.stdout)


if __name__ == "__main__":
    unittest.main()
