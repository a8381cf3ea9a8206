"""Multi-node tier: two `redress` nodes behind HAProxy over one PostgreSQL, one killed mid-load.

Promise under test (docs/postgresql.md): nodes that share a PostgreSQL store serve one set of
complaints, and losing a node loses nothing acknowledged and does nothing twice. Staff creates
go through HAProxy (roundrobin, health checks on GET /healthz, retries with redispatch) from
several threads, each with its own Idempotency-Key, and a create whose answer was lost in flight
is sent again with the same key and body until it gets a definite one. Meanwhile node A is
killed with `kill -9`, restarted on its port, and must serve creates again. The complaints are
logged by staff as received ten days ago, so their clocks are already due and both nodes' clock
schedulers (every 200 ms) race to record the warnings, breaches and closed windows. Afterwards:

* every key made exactly one complaint, the one its 201 named: the complaints in the store are
  exactly the distinct references answered 201, none twice, none without an answer; and 20
  creates sent again afterwards with their key and body get their first 201 back, from either
  node, making nothing new;
* every complaint has one `received` and one `acknowledge` event, and every clock alert that
  was due ran exactly once: one `clock_breach` per breached clock, at most one `clock_warning`
  per clock, one `clock_window_closed` per closed window, and none missing once the schedulers
  have caught up (events table, checked against each complaint's clocks);
* the event hash chain verifies (`redress audit verify`), and both nodes exit cleanly.

PostgreSQL: a throwaway cluster from scripts/pg-test-cluster.sh, or a fresh database on the
server of $REDRESS_PG_URL (a user that may create databases). Everything listens on 127.0.0.1;
every process started here is stopped here, on failure too.
"""
import datetime
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402
from balancer import Balancer  # noqa: E402

WRITERS = 4               # client threads creating through the balancer
LOAD_BEFORE_KILL = 3.0    # seconds of load before node A is killed
DOWN_SECONDS = 1.5        # node A stays dead this long, the load going on
REJOIN_TIMEOUT = 20       # node A must serve a create through the balancer within this
LOAD_AFTER_REJOIN = 2.0   # seconds of load once node A serves again
RETRY_WINDOW = 30         # a create is retried with its key for at most this long
CLOCK_INTERVAL_MS = 200   # both nodes' clock schedulers
CATCH_UP_TIMEOUT = 60     # seconds the schedulers get to record every due alert
RECEIVED_DAYS_AGO = 10    # acknowledge, assess and the summary-resolution window are overdue
SAMPLE_GETS = 100         # complaints read back through the balancer
REPLAYS = 20              # creates sent again with their Idempotency-Key after the load

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PSQL = os.path.join(PG_BIN, "psql") if os.access(os.path.join(PG_BIN, "psql"), os.X_OK) \
    else "psql"
PG_CLUSTER = os.path.join(h.SOURCE_DIR, "scripts", "pg-test-cluster.sh")
USER, PASSWORD = "handler", h.PASSWORDS["handler"]
KEY_IN_TEXT = re.compile(r"test key ([0-9a-f]{32})")
RETRYABLE = {502, 503, 504}  # the balancer or a node could not answer: the outcome is unknown

# Retries: HAProxy retries a request it could not send (conn-failure, its default retry-on) on
# the other node (redispatch), which is safe for any method. A request a node took and then died
# on gets a 502; HAProxy does not resend a POST, the client does, with the same Idempotency-Key.
# Health checks every 200 ms while a node is up or going down, so a killed node leaves the
# rotation within about half a second.
BALANCER_CHECKS = "inter 200ms fastinter 100ms downinter 200ms"


def log(msg):
    print(f"multinode: {msg}", file=sys.stderr, flush=True)


def psql(url, query):
    r = subprocess.run([PSQL, url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", query],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"psql: {query[:200]}: {r.stderr.strip()}")
    return r.stdout.strip()


def psql_json(url, query):
    out = psql(url, query)
    return json.loads(out) if out else None


def ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class Postgres:
    """A throwaway cluster (stopped by stop(), or by its watcher should this process die), or a
    fresh database on $REDRESS_PG_URL's server (dropped by stop())."""

    def __init__(self, tmp):
        self.cluster_dir = None
        self.admin_url = os.environ.get("REDRESS_PG_URL", "")
        if self.admin_url:
            self.db = f"redress_multinode_{os.getpid()}_{int(time.time())}"
            psql(self.admin_url, f'CREATE DATABASE "{self.db}"')
            u = urllib.parse.urlsplit(self.admin_url)
            self.url = urllib.parse.urlunsplit(u._replace(path="/" + self.db))
            return
        self.cluster_dir = os.path.join(tmp, "pg")
        r = subprocess.run([PG_CLUSTER, "start", self.cluster_dir, str(os.getpid())],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or not r.stdout.strip():
            raise AssertionError(f"pg-test-cluster.sh start failed ({r.returncode}): "
                                 f"{r.stderr.strip()}")
        self.url = r.stdout.strip().splitlines()[-1]

    def stop(self):
        if self.cluster_dir:
            subprocess.run([PG_CLUSTER, "stop", self.cluster_dir], capture_output=True,
                           timeout=120)
        else:
            psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')

    def now_ms(self):
        return int(psql(self.url, "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"))


class Creator:
    """WRITERS threads creating staff-logged complaints through the balancer. Each create has a
    fresh Idempotency-Key; a create with no definite answer (a connection error, 502, 503, 504)
    is sent again with the same key and body until it gets one, so every key ends with one 201
    or a recorded failure."""

    def __init__(self, port, token, received_at):
        self.port = port
        self.token = token
        self.received_at = received_at
        self.lock = threading.Lock()
        self.answered = {}   # key -> reference of its 201
        self.retried = {}    # key -> attempts, for keys whose first attempt had no answer
        self.failures = []   # (key, what)
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(WRITERS)]

    def body(self, key):
        return json.dumps({
            "complainant": {"name": "Multi Node", "email": "multi.node@example.org"},
            "channel": "phone",
            "product": "Current account",
            "description": f"I was charged a fee twice for one transfer (test key {key}).",
            "remedy_requested": "Refund the second fee.",
            "received_at": self.received_at,
        }).encode()

    def count(self):
        with self.lock:
            return len(self.answered)

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(RETRY_WINDOW + 30)
        if any(t.is_alive() for t in self.threads):
            raise AssertionError("a creating thread did not finish")

    def _run(self):
        conn = None
        while not self.stop_event.is_set():
            key = uuid.uuid4().hex
            body = self.body(key)
            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + self.token,
                       "Idempotency-Key": key}
            deadline = time.monotonic() + RETRY_WINDOW
            attempts = 0
            while True:
                attempts += 1
                status, raw = None, b""
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                    conn.request("POST", "/api/v1/complaints", body=body, headers=headers)
                    resp = conn.getresponse()
                    status, raw = resp.status, resp.read()
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException) as e:
                    raw = repr(e).encode()
                    if conn is not None:
                        conn.close()
                    conn = None
                if status == 201:
                    with self.lock:
                        self.answered[key] = json.loads(raw)["reference"]
                        if attempts > 1:
                            self.retried[key] = attempts
                    break
                if (status is None or status in RETRYABLE) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                with self.lock:
                    self.failures.append((key, f"{status} after {attempts} attempts: "
                                               f"{raw[:300]!r}"))
                break
        if conn is not None:
            conn.close()


def node_count(port, method, route, status):
    """The responses of `status` this node has sent to METHOD ROUTE since it started
    (/metrics)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    m = re.search(r'^redress_http_requests_total\{method="' + method + '",route="'
                  + re.escape(route) + r'",status="' + str(status) + r'"\} (\S+)$', text, re.M)
    return int(float(m.group(1))) if m else 0


def node_creates(port):
    """The 201s this node has sent for POST /api/v1/complaints since it started."""
    return node_count(port, "POST", "/api/v1/complaints", 201)


class TwoNodesTest(unittest.TestCase):
    def setUp(self):
        self.t_start = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix="redress-multinode-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.pg = Postgres(self.tmp)
        self.addCleanup(self.pg.stop)
        self.node_args = ["--store", self.pg.url, "--clock-interval-ms", str(CLOCK_INTERVAL_MS)]
        self.dirs = {n: os.path.join(self.tmp, "node-" + n) for n in "ab"}
        for d in self.dirs.values():
            os.makedirs(d)
        # One staff user, in the database both nodes read.
        h.run_cli("user", "add", "--store", self.pg.url, "--name", USER, "--role", "handler",
                  "--password-stdin", stdin=PASSWORD + "\n", data_dir=self.dirs["a"], check=True)
        self.nodes = {}
        for n in "ab":
            self.start_node(n)
        self.lb = Balancer(self.tmp, (self.nodes["a"].port, self.nodes["b"].port),
                           checks=BALANCER_CHECKS, maxconn=256)
        self.addCleanup(self.lb.stop)

    def start_node(self, name, port=0):
        server = h.Server(data_dir=self.dirs[name], extra_args=self.node_args,
                          listen=f"127.0.0.1:{port}")
        self.addCleanup(self.kill_quietly, server)
        self.nodes[name] = server.start()
        return server

    @staticmethod
    def kill_quietly(server):
        """Cleanup: whatever state the test left the node in, it is gone afterwards."""
        proc = server.proc
        server.kill()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if getattr(server, "_log", None):
            server._log.close()

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.lb.port, timeout=30)
        headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            headers["Authorization"] = "Bearer " + token
        if raw is None and body is not None:
            raw = json.dumps(body).encode()
        try:
            conn.request(method, path, body=raw, headers=headers)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def test_kill_one_node_under_load(self):
        status, raw = self.request("POST", "/api/v1/session",
                                   {"username": USER, "password": PASSWORD})
        self.assertEqual(status, 200, raw)
        token = json.loads(raw)["token"]
        received_at = (datetime.datetime.now(datetime.timezone.utc)
                       - datetime.timedelta(days=RECEIVED_DAYS_AGO)).strftime("%Y-%m-%dT%H:%M:%SZ")

        creator = Creator(self.lb.port, token, received_at)
        self.addCleanup(creator.stop_event.set)
        creator.start()
        time.sleep(LOAD_BEFORE_KILL)
        a = self.nodes["a"]
        a_port = a.port
        a_before = node_creates(a_port)
        b_before_kill = node_creates(self.nodes["b"].port)
        made_before_kill = creator.count()
        killed_at_ms = int(time.time() * 1000)
        self.kill_quietly(a)  # kill -9
        log(f"killed node A with kill -9 after {made_before_kill} creates "
            f"(A sent {a_before} 201s, B {b_before_kill})")
        time.sleep(DOWN_SECONDS)
        made_while_down = creator.count() - made_before_kill
        a = self.start_node("a", a_port)
        deadline = time.monotonic() + REJOIN_TIMEOUT
        while node_creates(a_port) == 0:
            self.assertLess(time.monotonic(), deadline,
                            f"node A, restarted on {a_port}, served no create through the "
                            f"balancer in {REJOIN_TIMEOUT} s")
            time.sleep(0.1)
        rejoined_after = time.monotonic()
        time.sleep(LOAD_AFTER_REJOIN)
        creator.stop()
        a_after = node_creates(a_port)
        b_total = node_creates(self.nodes["b"].port)
        log(f"{len(creator.answered)} complaints answered 201, {made_while_down} while A was "
            f"down; {len(creator.retried)} creates retried with their key; A sent {a_before} "
            f"before the kill and {a_after} after its restart, B {b_total}")

        # Every create got a definite answer: a 201, never an error.
        self.assertEqual(creator.failures, [], "creates that got no 201")
        self.assertGreater(a_before, 0, "node A served no create before the kill")
        self.assertGreater(a_after, 0)
        self.assertGreater(made_while_down, 0, "no create succeeded while node A was down")
        self.assertGreater(b_total, b_before_kill, "node B served no create after the kill")
        answered = creator.answered
        references = set(answered.values())
        self.assertEqual(len(references), len(answered),
                         "two keys were answered with the same reference")

        # A create sent again with its key and body, to either node, replays its 201: the same
        # reference, and no new complaint (counted below).
        for key in random.sample(sorted(answered), min(REPLAYS, len(answered))):
            status, raw = self.request("POST", "/api/v1/complaints", raw=creator.body(key),
                                       token=token, headers={"Idempotency-Key": key})
            self.assertEqual(status, 201, raw)
            self.assertEqual(json.loads(raw)["reference"], answered[key])

        # The clock schedulers catch up: no open complaint has a warning or due instant left
        # unevaluated before t0.
        deadline = time.monotonic() + CATCH_UP_TIMEOUT
        while True:
            t0, pending = psql(self.pg.url,
                               "SELECT t, (SELECT count(*) FROM complaints WHERE is_open = 1 "
                               "AND next_clock <= t) FROM (SELECT (extract(epoch FROM "
                               "clock_timestamp()) * 1000)::bigint AS t) now").split("|")
            t0, pending = int(t0), int(pending)
            if pending == 0:
                break
            self.assertLess(time.monotonic(), deadline,
                            f"{pending} complaints still had due clock alerts after "
                            f"{CATCH_UP_TIMEOUT} s")
            time.sleep(0.2)

        # A sample read back through the balancer, as the API shows them.
        for key in random.sample(sorted(answered), min(SAMPLE_GETS, len(answered))):
            status, raw = self.request("GET", f"/api/v1/complaints/{answered[key]}",
                                       token=token)
            self.assertEqual(status, 200, raw)
            self.assertIn(f"test key {key}", json.loads(raw)["description"])

        # Both nodes and the balancer stop cleanly; the store holds still for the checks.
        self.lb.stop()
        for n in "ab":
            self.nodes[n].close()

        rows = psql_json(self.pg.url,
                         "SELECT coalesce(json_agg(json_build_object('id', c.id, 'reference', "
                         "c.reference, 'description', t.description, 'clocks', "
                         "c.doc::json -> 'clocks', 'logged_at', c.doc::json ->> 'logged_at')), "
                         "'[]') FROM complaints c "
                         "LEFT JOIN complaint_text t ON t.id = c.id")
        by_key = {}
        for r in rows:
            m = KEY_IN_TEXT.search(r["description"] or "")
            self.assertIsNotNone(m, f"complaint {r['reference']} was not made by this test")
            by_key.setdefault(m.group(1), []).append(r["reference"])

        # Every 201'd reference exists exactly once, and nothing else does.
        self.assertEqual(len(rows), len({r["reference"] for r in rows}))
        twice = {k: refs for k, refs in by_key.items() if len(refs) > 1}
        self.assertEqual(twice, {}, "keys that made more than one complaint")
        self.assertEqual(set(r["reference"] for r in rows), references,
                         "the complaints in the store differ from the references answered 201")
        self.assertEqual({k: refs[0] for k, refs in by_key.items()}, answered)
        self.assertEqual(len(rows), len(references))
        # Informational: a retried create whose complaint was logged before the kill was
        # committed by node A, and its retry was answered from the idempotency record.
        logged = {r["reference"]: ms(r["logged_at"]) for r in rows}
        replayed = sum(1 for k in creator.retried if logged[answered[k]] < killed_at_ms)
        log(f"{len(creator.retried)} creates retried: {replayed} had been committed before the "
            f"kill (the retry replayed the 201), {len(creator.retried) - replayed} were not")

        # Every due-date job ran exactly once.
        events = psql_json(self.pg.url,
                           "SELECT coalesce(json_agg(json_build_object('c', complaint_id, 'a', "
                           "action, 'after', CASE WHEN action = 'received' THEN '{}' "
                           "ELSE \"after\" END)), '[]') FROM events WHERE complaint_id IN "
                           "(SELECT id FROM complaints)")
        per = {r["id"]: [] for r in rows}
        for e in events:
            per[e["c"]].append((e["a"], json.loads(e["after"])))
        alerts = 0
        for r in rows:
            self.check_clock_events(r, per[r["id"]], t0)
            alerts += sum(1 for a, _ in per[r["id"]] if a.startswith("clock_"))
        self.assertGreaterEqual(alerts, len(rows), "no clock alerts were recorded")

        # The event hash chain, one chain for both nodes.
        v = h.run_cli("audit", "verify", "--store", self.pg.url, data_dir=self.dirs["a"])
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        log(f"{len(rows)} complaints, {alerts} clock events, chain verified; "
            f"A rejoined {rejoined_after - self.t_start:.1f} s into the test, "
            f"whole test {time.monotonic() - self.t_start:.1f} s")

    def test_rate_limits_and_hourly_jobs_are_shared_by_the_nodes(self):
        # A complaint, made through the balancer by the public.
        status, raw = self.request("POST", "/api/v1/complaints", {
            "complainant": {"name": "Ann Example", "email": "ann@example.org"},
            "product": "Current account", "description": "Charged twice for one transfer.",
            "remedy_requested": "Refund the second debit."})
        self.assertEqual(status, 201, raw)
        ref = json.loads(raw)["reference"]
        # 20 wrong secrets for it, spread over both nodes by the balancer, use up the minute's
        # attempts on both: the counter is in the database, not in one node's memory.
        route = "/api/v1/status/{reference}"
        for _ in range(20):
            status, raw = self.request("GET", f"/api/v1/status/{ref}?secret=WRONG")
            self.assertEqual(status, 404, raw)
        served = {n: node_count(self.nodes[n].port, "GET", route, 404) for n in "ab"}
        self.assertEqual(sum(served.values()), 20)
        self.assertTrue(all(served.values()), f"one node served every lookup: {served}")
        for n in "ab":  # each node, asked directly, refuses the 21st
            conn = http.client.HTTPConnection("127.0.0.1", self.nodes[n].port, timeout=10)
            try:
                conn.request("GET", f"/api/v1/status/{ref}?secret=WRONG")
                r = conn.getresponse()
                self.assertEqual(r.status, 429, f"node {n}: {r.read()!r}")
            finally:
                conn.close()
        self.assertEqual(psql(self.pg.url, "SELECT hits FROM rate_limits WHERE key = "
                                           f"'status:{ref}'"), "20")
        # The hourly job (effectiveness checks) ran once, on one node, though both started.
        self.assertEqual(psql(self.pg.url, "SELECT count(*) FROM periodic_jobs WHERE name = "
                                           "'effectiveness_checks' AND last_run_at > 0 AND "
                                           "claim_until = 0"), "1")
        # Each node logs its runs on stdout (after the line the harness read): stop both, then
        # read what they wrote.
        runs = 0
        for n in "ab":
            proc = self.nodes[n].proc
            self.nodes[n].stop()
            runs += proc.stdout.read().decode().count("effectiveness_checks: ran on this node")
        self.assertEqual(runs, 1)

    def check_clock_events(self, row, events, t0):
        """The complaint's events against its clocks: intake recorded once; per clock, one
        breach if and only if it is marked breached, at most one warning, one closing of a
        window the scheduler closed; and nothing due before t0 left undone."""
        ref = row["reference"]
        actions = [a for a, _ in events]
        self.assertEqual(actions.count("received"), 1, ref)
        self.assertEqual(actions.count("acknowledge"), 1, ref)
        unexpected = set(actions) - {"received", "acknowledge", "clock_breach", "clock_warning",
                                     "clock_window_closed"}
        self.assertEqual(unexpected, set(), ref)
        breaches, warnings, closed = {}, {}, {}
        for a, after in events:
            if a == "clock_breach":
                breaches.setdefault(after["clock"], []).append(after["due"])
            elif a == "clock_warning":
                warnings.setdefault(after["clock"], []).append(after["due"])
            elif a == "clock_window_closed":
                for name in after.get("clocks", {}):
                    closed[name] = closed.get(name, 0) + 1
        names = [c["name"] for c in row["clocks"]]
        self.assertEqual(len(names), len(set(names)), ref)
        self.assertLessEqual(set(breaches) | set(warnings) | set(closed), set(names), ref)
        due_before_t0 = 0
        for c in row["clocks"]:
            name, due, warn = c["name"], ms(c["due"]), ms(c["warn"])
            where = f"{ref} clock {name}"
            n_breach, n_warn = len(breaches.get(name, [])), len(warnings.get(name, []))
            if name == "summary_resolution":  # a window: closed, never warned or breached
                self.assertEqual((n_breach, n_warn), (0, 0), where)
                self.assertEqual(closed.get(name, 0), 1 if c["state"] == "stopped" else 0, where)
                if due <= t0:
                    self.assertEqual(c["state"], "stopped", where)
                    due_before_t0 += 1
                continue
            self.assertEqual(closed.get(name, 0), 0, where)
            if c["state"] != "running":  # ended by the intake (acknowledge): no alert
                self.assertEqual((n_breach, n_warn), (0, 0), where)
                continue
            self.assertEqual(n_breach, 1 if c.get("breached") else 0, where)
            self.assertLessEqual(n_warn, 1 if c.get("warned") else 0, where)
            for d in breaches.get(name, []) + warnings.get(name, []):
                self.assertEqual(ms(d), due, where)
            if due < t0:
                self.assertEqual(n_breach, 1, f"{where}: due before t0, no breach recorded")
                due_before_t0 += 1
            elif warn <= t0:
                self.assertEqual(n_warn, 1, f"{where}: warning due before t0, none recorded")
                due_before_t0 += 1
        self.assertGreater(due_before_t0, 0, f"{ref}: no clock alert was due")


if __name__ == "__main__":
    unittest.main()
