"""Crash tier: load, kill -9 mid-load, restart on the same data dir, nothing acknowledged lost.

Promise under test (conventions §4): a complaint create answers 201 only after its commit, so
every reference a client saw in a 201 must survive a `kill -9` of the server, with its
`received` and `acknowledge` events, the store must pass `PRAGMA integrity_check`, the event
hash chain must verify (`redress audit verify` exits 0), and the restarted server must keep
accepting creates. The kill cycle runs three times on one data dir, so later cycles also check
that earlier survivors are still there.
"""
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402

WRITERS = 16
LOAD_SECONDS = 2.5      # per cycle, before the kill
CYCLES = 3
VERIFY_THREADS = 8
TERM_TRIES = 5          # SIGTERM-under-load attempts
TERM_LOAD_SECONDS = 1.0
TERM_WAIT_SECONDS = 10  # a clean shutdown takes well under a second

COMPLAINT = {
    "complainant": {"name": "Crash Test", "email": "crash@example.org"},
    "product": "Current account",
    "description": "I was charged a fee twice for one transfer.",
    "remedy_requested": "Refund the second fee.",
}


class LoadGenerator:
    """WRITERS threads, each with one keep-alive connection, posting creates until told to stop
    or until the connection dies (the kill). Records every reference that came back in a 201."""

    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.acked = []             # references answered 201
        self.statuses = {}          # status -> count
        self.in_flight = 0          # requests sent, no response yet
        self.errors_after_kill = 0  # requests cut off by the kill (were in flight)
        self.killed = threading.Event()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(WRITERS)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self, timeout=30):
        for t in self.threads:
            t.join(timeout)
        return not any(t.is_alive() for t in self.threads)

    def _run(self, i):
        body = dict(COMPLAINT, description=f"Writer {i}: I was charged a fee twice.")
        data = json.dumps(body).encode()
        conn = None
        while not self.stop.is_set():
            if conn is None:
                if self.killed.is_set():
                    return
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.in_flight += 1
            try:
                conn.request("POST", "/api/v1/complaints", body=data,
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.in_flight -= 1
                    if self.killed.is_set():
                        self.errors_after_kill += 1
                conn.close()
                conn = None
                if self.killed.is_set():
                    return
                time.sleep(0.01)
                continue
            with self.lock:
                self.in_flight -= 1
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 201:
                    self.acked.append(json.loads(payload)["reference"])
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


class _Verifier:
    """Staff GETs over per-thread keep-alive connections."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.local = threading.local()
        self.conns = []
        self.lock = threading.Lock()

    def close(self):
        for c in self.conns:
            c.close()

    def events(self, reference):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.conns.append(conn)
        conn.request("GET", f"/api/v1/complaints/{reference}/events",
                     headers={"Authorization": "Bearer " + self.token})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return reference, resp.status, []
        return reference, 200, [e["action"] for e in json.loads(body)["items"]]


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="redress-crash-")
        self.server = None

    def tearDown(self):
        self._end(self.server, kill=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    @staticmethod
    def _end(server, kill):
        """kill -9 (or SIGTERM) a harness server and close the pipes the harness leaves open."""
        if server is None:
            return
        proc = server.proc
        server.kill() if kill else server.stop()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if hasattr(server, "_log"):
            server._log.close()

    def _start(self):
        self._end(self.server, kill=True)
        self.server = h.Server(data_dir=self.data_dir).start()
        return self.server

    def _check_store(self, when):
        db = sqlite3.connect(os.path.join(self.data_dir, "redress.db"))
        try:
            result = db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()
        self.assertEqual(result, [("ok",)], f"integrity_check {when}")
        audit = h.run_cli("audit", "verify", "--json", data_dir=self.data_dir)
        self.assertEqual(audit.returncode, 0,
                         f"audit verify {when}: {audit.stdout} {audit.stderr}")
        self.assertTrue(json.loads(audit.stdout)["ok"])

    def _check_survivors(self, server, references):
        token = server.login("manager")
        verifier = _Verifier(server.port, token)
        missing, incomplete = [], []
        try:
            with concurrent.futures.ThreadPoolExecutor(VERIFY_THREADS) as pool:
                for ref, status, actions in pool.map(verifier.events, references):
                    if status != 200:
                        missing.append((ref, status))
                    elif "received" not in actions or "acknowledge" not in actions:
                        incomplete.append((ref, actions))
        finally:
            verifier.close()
        self.assertEqual(missing, [], f"{len(missing)} of {len(references)} acknowledged "
                                      "complaints are gone after kill -9")
        self.assertEqual(incomplete, [], "acknowledged complaints lost events")

    def test_kill_during_create_load_loses_nothing_acknowledged(self):
        # Users before the first start (see the brief: CLI user add under a running server
        # is a known store bug handled elsewhere).
        h.Server(data_dir=self.data_dir).add_user("manager")
        acked_total = []
        for cycle in range(1, CYCLES + 1):
            server = self._start()
            load = LoadGenerator(server.port)
            load.start()
            time.sleep(LOAD_SECONDS)
            with load.lock:
                acked_before_kill = len(load.acked)
            load.killed.set()
            self._end(server, kill=True)  # SIGKILL while the writers are still posting
            self.assertTrue(load.join(), "writer threads did not stop after the kill")
            with load.lock:
                acked = list(load.acked)
                statuses = dict(load.statuses)
                cut_off = load.errors_after_kill
            self.assertGreater(acked_before_kill, 0, f"cycle {cycle}: no 201 before the kill")
            # Anything other than 201 under plain load (e.g. 503 overload) is allowed by the
            # contract, but a 5xx other than 503 is a bug.
            bad = {s: n for s, n in statuses.items() if s not in (201, 503)}
            self.assertEqual(bad, {}, f"cycle {cycle}: unexpected statuses {statuses}")
            # The kill must land mid-load: some request was cut off in flight.
            self.assertGreater(cut_off, 0, f"cycle {cycle}: no request was in flight at the kill")
            self.assertEqual(len(set(acked)), len(acked), "a reference was handed out twice")
            acked_total.extend(acked)

            # The crashed store, before anyone recovers it through the server.
            self._check_store(f"after kill {cycle}")

            server = self._start()
            self._check_survivors(server, acked_total)
            self.assertEqual(len(set(acked_total)), len(acked_total),
                             "a reference was reused after restart")
            self._check_store(f"after restart {cycle}")
            created = server.create_complaint()
            self.assertNotIn(created["reference"], acked_total)
            acked_total.append(created["reference"])
            r = server.request("GET", f"/api/v1/complaints/{created['reference']}",
                               as_user="manager")
            self.assertEqual(r.status, 200, r.body)
            print(f"cycle {cycle}: {len(acked)} acknowledged, {cut_off} cut off in flight, "
                  f"statuses {statuses}", file=sys.stderr)

        db = sqlite3.connect(os.path.join(self.data_dir, "redress.db"))
        try:
            rows = db.execute("SELECT count(*) FROM complaints").fetchone()[0]
        finally:
            db.close()
        # Rows may exceed 201s (committed, then killed before the answer went out); never fewer.
        self.assertGreaterEqual(rows, len(acked_total))
        self._end(self.server, kill=False)
        self.server = None


    def _term_under_load(self):
        """Starts the server, loads it, sends SIGTERM while creates are in flight. Returns
        (exit status or 'hung', the acknowledged references)."""
        server = self._start()
        load = LoadGenerator(server.port)
        load.start()
        time.sleep(TERM_LOAD_SECONDS)
        load.killed.set()
        proc = server.proc
        proc.send_signal(signal.SIGTERM)
        try:
            outcome = proc.wait(timeout=TERM_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            outcome = "hung"
        self._end(server, kill=True)   # no-op unless it hung
        self.assertTrue(load.join(), "writer threads did not stop after SIGTERM")
        return outcome, list(load.acked)

    def test_sigterm_during_create_load_loses_nothing_acknowledged(self):
        h.Server(data_dir=self.data_dir).add_user("manager")
        acked_total = []
        for _ in range(2):
            outcome, acked = self._term_under_load()
            self.assertGreater(len(acked), 0)
            acked_total.extend(acked)
            self._check_store(f"after SIGTERM (exit {outcome})")
            server = self._start()
            self._check_survivors(server, acked_total)
            self._end(server, kill=True)

    def test_sigterm_during_create_load_exits_cleanly(self):
        # BUG: cli.cpp Serve() declares `store` before `ioc`/`server`/`api`/`service`, so on
        # SIGTERM the io_context (and the Api and service) are destroyed first, and then
        # ~SqliteStore joins the writer thread, which is still completing queued creates: the
        # completion (ComplaintService::Create's done -> http::CallbackInitiation -> asio
        # awaitable_handler) posts to / tears down coroutine frames of the destroyed
        # io_context. Observed: SIGSEGV (exit -11 / shell 139) or a hang forever in
        # epoll_reactor::deregister_descriptor on a freed mutex, main thread blocked in
        # ~SqliteStore -> std::thread::join. Data already acknowledged survives (see the
        # test above); the exit is what is broken.
        h.Server(data_dir=self.data_dir).add_user("manager")
        outcomes = []
        for _ in range(TERM_TRIES):
            outcome, _ = self._term_under_load()
            outcomes.append(outcome)
            if outcome != 0:
                break
        print(f"SIGTERM under load, exit statuses: {outcomes}", file=sys.stderr)
        self.assertEqual(outcomes, [0] * TERM_TRIES,
                         "SIGTERM under load must shut down cleanly with exit 0")


if __name__ == "__main__":
    unittest.main()
