"""`redress migrate-store`: a SQLite installation, built through the API (complaints through the
lifecycle, notes, an attachment, users and sessions, a saved view, notifications, learning
records, an idempotent create), copied into a fresh PostgreSQL database and served from it.

What is read back through the PostgreSQL store must equal what the SQLite store served; the
audit chain must verify with the same head; a new complaint must get a new reference; a second
copy into the same database, bad arguments, a tampered source, a missing attachment file and a
source with a table the binary does not know must be refused and leave the target as it was.

PostgreSQL: $REDRESS_PG_URL (a user that may create databases) if set, else a throwaway cluster
started here with scripts/pg-test-cluster.sh and stopped at the end.
"""
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import mail_harness  # noqa: E402
import redress_harness as h  # noqa: E402
import stored_records  # noqa: E402

PG_SCRIPT = os.path.join(h.SOURCE_DIR, "scripts", "pg-test-cluster.sh")
PSQL = next((p for p in ("/usr/lib/postgresql/15/bin/psql", shutil.which("psql")) if p and
             os.path.exists(p)), "psql")
FEES = "banking/current-account/fees"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
# Text that COPY must escape, and text that is not ASCII.
ODD = "Tab\there, newline\nthere, CR\r, backslash \\ and \\N, quote ' \" and Ünïcödé ✓ 日本"
COPIED = ["users", "complaints", "sessions", "saved_views", "notes", "attachments",
          "notifications", "events", "idempotency", "source_keys", "records", "record_links"]


class PgCluster:
    """A PostgreSQL server: $REDRESS_PG_URL, or a cluster of our own."""

    def __init__(self):
        self.dir = None
        self.databases = []
        self.url = os.environ.get("REDRESS_PG_URL", "")
        if not self.url:
            self.dir = tempfile.mkdtemp(prefix="redress-migrate-pg-")
            p = subprocess.run([PG_SCRIPT, "start", self.dir, str(os.getpid())],
                               capture_output=True, text=True, timeout=180)
            if p.returncode != 0 or not p.stdout.startswith("postgresql://"):
                shutil.rmtree(self.dir, ignore_errors=True)
                raise AssertionError(f"the PostgreSQL test cluster did not start: {p.stderr}")
            self.url = p.stdout.strip()

    def url_of(self, name):
        base, _, _ = self.url.rpartition("/")
        return f"{base}/{name}"

    def new_database(self):
        name = f"redress_migrate_{os.getpid()}_{len(self.databases) + 1}"
        self.query(self.url, f"CREATE DATABASE {name}")
        self.databases.append(name)
        return self.url_of(name)

    @staticmethod
    def query(url, sql):
        """The rows of `sql` (tab-separated text, one list per row)."""
        p = subprocess.run([PSQL, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-d", url, "-c", sql], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"psql {sql!r}: {p.stderr}")
        return [line.split("\t") for line in p.stdout.splitlines() if line]

    def scalar(self, url, sql):
        return self.query(url, sql)[0][0]

    def stop(self):
        if self.dir is None:
            for name in self.databases:
                self.query(self.url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        subprocess.run([PG_SCRIPT, "stop", self.dir], capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


def migrate(*args):
    return h.run_cli("migrate-store", *args)


def sqlite_count(db, table):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


class MigrateStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="redress-migrate-")
        try:
            cls.pg = PgCluster()
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        try:
            cls.build_source()
            cls.target = cls.pg.new_database()
            cls.target_data = os.path.join(cls.tmp, "pg-data")
            cls.migration = migrate("--from", "sqlite:" + cls.source_data, "--to", cls.target,
                                    "--data", cls.target_data, "--json")
            # The chains as `audit verify` sees them, before serving adds sign-in events.
            cls.source_verify = h.run_cli("audit", "verify", "--json",
                                          data_dir=cls.source_data)
            cls.target_verify = h.run_cli("audit", "verify", "--json", "--store", cls.target,
                                          data_dir=cls.target_data)
            cls.served = h.Server(data_dir=cls.target_data, extra_args=["--store", cls.target])
            if cls.migration.returncode == 0:
                cls.served.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if getattr(cls, "served", None):
                cls.served.close()
        finally:
            cls.pg.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def build_source(cls):
        """A SQLite installation with some of everything; what its API serves, in cls.before."""
        cls.source_data = os.path.join(cls.tmp, "sqlite-data")
        os.makedirs(cls.source_data)
        # Outgoing mail to a port nobody listens on: notifications are written and stay due.
        mail = mail_harness.write_mail_config(cls.tmp, smtp_port=mail_harness.free_port(),
                                              inbound=False)
        s = h.Server(data_dir=cls.source_data, extra_args=["--mail", mail])
        s.add_standard_users()
        s.start()
        try:
            cls.refs = cls.populate(s)
        finally:
            s.close()
        # Read back without the mail sender, which would go on retrying (and updating) the
        # notifications.
        s = h.Server(data_dir=cls.source_data)
        s.start()
        try:
            cls.before = cls.snapshot(s)
        finally:
            s.close()
        cls.source_db = os.path.join(cls.source_data, "redress.db")

    @classmethod
    def populate(cls, s):
        def act(ref, action, body, user):
            r = s.request("POST", f"/api/v1/complaints/{ref}/{action}", body, as_user=user)
            assert r.status in (200, 201), f"{action}: {r.status} {r.body}"
            return r

        people = {"name": "Mira Okonkwo-Lindqvist", "email": "mira@example.org"}
        closed = s.create_complaint(complainant=people)
        ref = closed["reference"]
        act(ref, "assess", {"category": FEES, "severity": 2, "assignee": "handler"}, "handler")
        act(ref, "investigate", {"investigator": "investigator"}, "handler")
        act(ref, "notes", {"body": ODD}, "investigator")
        act(ref, "notes", {"body": "We are looking into it.", "visibility": "complainant"},
            "handler")
        r = s.request("POST", f"/api/v1/complaints/{ref}/attachments?filename=statement.png",
                      raw=PNG, content_type="image/png", as_user="handler")
        assert r.status == 201, r.body
        act(ref, "propose_decision",
            {"outcome": "upheld", "reasons": "The fee was charged twice.",
             "remedy": {"type": "refund", "amount_minor": 2500, "currency": "GBP",
                        "paid_at": datetime.datetime.now(datetime.timezone.utc).strftime(
                            "%Y-%m-%dT%H:%M:%SZ")}},
            "investigator")
        act(ref, "communicate_decision", {}, "manager")
        act(ref, "close", {"cause": "process", "acceptance": "accepts"}, "handler")

        assessed = s.create_complaint(description="Zanzibarquux card declined. " + ODD)["reference"]
        act(assessed, "assess", {"category": FEES, "severity": 3, "assignee": "handler2"},
            "handler2")
        act(assessed, "notes", {"body": "Called the complainant about the xylophonequest."},
            "handler2")
        withdrawn = s.create_complaint(complainant=people)["reference"]
        act(withdrawn, "withdraw", {"reason": "Phoned to withdraw."}, "handler")
        r = s.request("POST", "/api/v1/complaints", {
            "complainant": {"name": "Idem Potent", "email": "idem@example.org"}, "description": "Sent twice, kept once.",
            "product": "Current account"}, headers={"Idempotency-Key": "migrate-key-1"})
        assert r.status == 201, r.body
        received = r.json()["reference"]

        r = s.request("PUT", "/api/v1/me/views/Mine%20due", {"query": "overdue=true"},
                      as_user="handler")
        assert r.status in (200, 201, 204), r.body
        r = s.request("POST", "/api/v1/root-causes",
                      {"title": "Batch ran twice", "method": "five_whys", "category": "system",
                       "whys": ["Fee charged twice", "The batch ran twice"],
                       "complaints": [ref, assessed]}, as_user="manager")
        assert r.status == 201, r.body
        return [ref, assessed, withdrawn, received]

    @classmethod
    def snapshot(cls, s):
        """What the API serves of everything populate() made."""
        out = {}
        for ref in cls.refs:
            for part in ("", "/events", "/notes", "/notifications"):
                r = s.request("GET", f"/api/v1/complaints/{ref}{part}", as_user="manager")
                assert r.status == 200, r.body
                out[ref + part] = r.json()
        att = out[cls.refs[0]]["attachments"][0]
        r = s.request("GET", f"/api/v1/complaints/{cls.refs[0]}/attachments/{att['id']}",
                      as_user="manager")
        assert r.status == 200 and r.body == PNG
        for path, user in (("/api/v1/me/views", "handler"), ("/api/v1/users", "admin"),
                           ("/api/v1/root-causes", "manager"),
                           ("/api/v1/complaints?limit=200", "manager"),
                           ("/api/v1/complaints?q=xylophonequest", "manager"),
                           ("/api/v1/complaints?q=zanzibarquux", "manager"),
                           ("/api/v1/audit/verify", "auditor")):
            r = s.request("GET", path, as_user=user)
            assert r.status == 200, f"{path}: {r.status} {r.body}"
            out[path] = r.json()
        return out

    # --- the copy ----------------------------------------------------------------------------
    def test_1_report_counts_every_table_as_on_the_source(self):
        p = self.migration
        self.assertEqual(p.returncode, 0, p.stderr)
        report = json.loads(p.stdout)
        self.assertTrue(report["ok"], report)
        self.assertEqual(report["problems"], [])
        tables = {t["table"]: t for t in report["tables"]}
        self.assertEqual([t["table"] for t in report["tables"] if not t["derived"]], COPIED)
        for name in COPIED:
            n = sqlite_count(self.source_db, name)
            self.assertEqual((tables[name]["source_rows"], tables[name]["target_rows"]), (n, n),
                             name)
            self.assertEqual(int(self.pg.scalar(self.target, f"SELECT count(*) FROM {name}")), n,
                             name)
        complaints = sqlite_count(self.source_db, "complaints")
        self.assertEqual(complaints, 4)
        for name in ("complaint_text", "facts"):
            self.assertEqual(tables[name]["target_rows"], complaints, name)
            self.assertTrue(tables[name]["derived"])
        con = sqlite3.connect(f"file:{self.source_db}?mode=ro", uri=True)
        states = con.execute("SELECT count(DISTINCT state) FROM complaints").fetchone()[0]
        con.close()
        self.assertEqual(tables["state_counts"]["target_rows"], states)
        for name in ("users", "sessions", "saved_views", "notes", "attachments",
                     "notifications", "idempotency", "records", "record_links"):
            self.assertGreater(tables[name]["source_rows"], 0, name)
        self.assertEqual(report["events"], sqlite_count(self.source_db, "events"))
        self.assertEqual((report["attachment_files"], report["attachment_files_copied"]), (1, 1))

    def test_2_reads_through_the_postgresql_store_equal_the_sqlite_store(self):
        after = self.snapshot(self.served)
        self.assertEqual(set(after), set(self.before))
        for key, value in self.before.items():
            if key == "/api/v1/audit/verify":
                # Signing in to read appends events (to each store): the chains go on from
                # the same head.
                self.assertTrue(after[key]["ok"], after[key])
                continue
            self.assertEqual(after[key], value, key)
        # Rows are byte for byte: the records, the events' payloads and hashes.
        con = sqlite3.connect(f"file:{self.source_db}?mode=ro", uri=True)
        try:
            # Packed records (migration 0020) reach PostgreSQL as their JSON.
            docs = [(i, v, doc) for i, v, _, doc in stored_records.records(con)]
            # So do receipts' packed copies of the record (migration 0021).
            events = stored_records.events(con)
        finally:
            con.close()
        got = PgCluster.query(self.target, "SELECT id, version, encode(convert_to(doc, 'UTF8'), "
                                           "'hex') FROM complaints ORDER BY id")
        self.assertEqual([(int(i), int(v), bytes.fromhex(d).decode()) for i, v, d in got], docs)
        # (Up to the source's last: serving on the target appended sign-in events.)
        got = PgCluster.query(self.target, "SELECT seq, encode(convert_to(\"before\" || chr(1) || "
                                           "\"after\", 'UTF8'), 'hex'), hash FROM events "
                                           f"WHERE seq <= {len(events)} ORDER BY seq")
        self.assertEqual([(int(s), *bytes.fromhex(p).decode().split("\x01"), hh)
                          for s, p, hh in got], events)

    def test_2b_derived_tables_hold_what_the_sqlite_writer_made(self):
        """complaint_text (hence the search terms), facts and state_counts, filled from the
        copied rows, equal what SQLite's writer kept as the complaints changed."""
        facts = ("id, received_at, day, month, category, product, channel, department, location, "
                 "handler, cause, currency, state, policy, is_open, closed_at, resolve_days, "
                 "resolve_band, ack, final, outcome, redress, reopen_count, referred, early, "
                 "sat_handling, sat_outcome")
        pairs = [
            ("SELECT rowid, description, notes FROM complaint_text ORDER BY rowid",
             "SELECT id, description, notes FROM complaint_text ORDER BY id"),
            (f"SELECT {facts} FROM facts ORDER BY id", f"SELECT {facts} FROM facts ORDER BY id"),
            ("SELECT state, n FROM state_counts WHERE n > 0 ORDER BY state",
             "SELECT state, n FROM state_counts ORDER BY state COLLATE \"C\""),
        ]
        con = sqlite3.connect(f"file:{self.source_db}?mode=ro", uri=True)
        try:
            for lite, pg in pairs:
                want = [["" if v is None else str(v) for v in row]
                        for row in con.execute(lite).fetchall()]
                # Each value hex-encoded: text may hold tabs and newlines.
                cols = pg[len("SELECT "):pg.index(" FROM ")]
                hexed = " || ',' || ".join(
                    f"encode(convert_to(coalesce({c.strip()}::text, ''), 'UTF8'), 'hex')"
                    for c in cols.split(","))
                got = [[bytes.fromhex(v).decode() for v in row[0].split(",")]
                       for row in PgCluster.query(self.target, f"SELECT {hexed}" +
                                                  pg[pg.index(" FROM "):])]
                self.assertEqual(got, want, pg)
                self.assertTrue(want, pg)
        finally:
            con.close()

    def test_3_audit_chain_verifies_on_the_target_with_the_source_head(self):
        source, target = self.source_verify, self.target_verify
        self.assertEqual(source.returncode, 0, source.stdout + source.stderr)
        self.assertEqual(target.returncode, 0, target.stdout + target.stderr)
        self.assertEqual(json.loads(target.stdout), json.loads(source.stdout))
        self.assertTrue(json.loads(target.stdout)["ok"])
        self.assertEqual(json.loads(self.migration.stdout)["head_hash"],
                         json.loads(source.stdout)["head_hash"])

    def test_4_attachment_file_copied_with_its_hash(self):
        att = self.before[self.refs[0]]["attachments"][0]
        path = os.path.join(self.target_data, "attachments", att["sha256"][:2], att["sha256"])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), PNG)

    def test_5_a_new_complaint_on_the_target_gets_a_new_reference(self):
        made = self.served.create_complaint(description="First complaint after the move.")
        ref = made["reference"]
        self.assertNotIn(ref, self.refs)
        year = ref.split("-")[1]
        seqs = [int(r.split("-")[2]) for r in self.refs if r.split("-")[1] == year]
        self.assertGreater(int(ref.split("-")[2]), max(seqs, default=0))
        note = self.served.request("POST", f"/api/v1/complaints/{ref}/notes",
                                   {"body": "A note after the move."}, as_user="manager")
        self.assertEqual(note.status, 201, note.body)
        ids = [n["id"] for r in self.refs for n in self.before[r + "/notes"]["items"]]
        self.assertGreater(note.json()["id"], max(ids))
        r = self.served.request("GET", "/api/v1/audit/verify", as_user="auditor")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["ok"], r.json())
        self.assertGreater(r.json()["events"], self.before["/api/v1/audit/verify"]["events"])

    def test_6_a_second_copy_into_the_same_database_is_refused_and_changes_nothing(self):
        def state():
            return [self.pg.query(self.target, f"SELECT count(*) FROM {t}")[0][0]
                    for t in COPIED] + self.pg.query(
                self.target, "SELECT max(seq), max(hash) FROM events")[0]
        before = state()
        p = migrate("--from", "sqlite:" + self.source_db, "--to", self.target,
                    "--data", self.target_data)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("not empty", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(state(), before)

    # --- refusals ----------------------------------------------------------------------------
    def assert_untouched(self, url):
        """No table at all: not even the schema was made."""
        self.assertEqual(self.pg.scalar(
            url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0")

    def assert_empty(self, url):
        """The schema may be there, but no row of the copy."""
        for t in COPIED + ["complaint_text", "facts", "state_counts"]:
            self.assertEqual(self.pg.scalar(url, f"SELECT count(*) FROM {t}"), "0", t)

    def test_7_bad_arguments_exit_2_and_change_nothing(self):
        url = self.pg.new_database()
        src = "sqlite:" + self.source_data
        cases = [
            ("--from", self.source_data, "--to", url),                      # no sqlite: prefix
            ("--from", "sqlite:", "--to", url),
            ("--from", "sqlite:" + os.path.join(self.tmp, "nowhere"), "--to", url),
            ("--from", src, "--to", "mysql://localhost/redress"),
            ("--from", src, "--to", self.source_data),
            ("--from", src),                                                 # no --to
            ("--to", url),                                                   # no --from
            ("--from", src, "--to", url, "--colour", "red"),
        ]
        for args in cases:
            p = migrate(*args)
            self.assertEqual(p.returncode, 2, f"{args}: {p.stdout} {p.stderr}")
            self.assertTrue(p.stderr.startswith("redress: "), p.stderr)
        # A source of another schema version.
        older = self.copy_source("older")
        con = sqlite3.connect(os.path.join(older, "redress.db"))
        con.execute("DELETE FROM schema_migrations WHERE version = "
                    "(SELECT max(version) FROM schema_migrations)")
        con.commit()
        con.close()
        p = migrate("--from", "sqlite:" + older, "--to", url)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("schema version", p.stderr)
        # Not a Redress database.
        foreign = os.path.join(self.tmp, "foreign.db")
        sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
        p = migrate("--from", "sqlite:" + foreign, "--to", url)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assert_untouched(url)

    def copy_source(self, name):
        """A copy of the source data directory (database and attachments)."""
        dest = os.path.join(self.tmp, name)
        shutil.copytree(self.source_data, dest)
        return dest

    def test_8_a_tampered_source_is_refused_and_the_target_stays_empty(self):
        tampered = self.copy_source("tampered")
        con = sqlite3.connect(os.path.join(tampered, "redress.db"))
        con.execute("UPDATE events SET \"after\" = replace(\"after\", 'handler', 'handlex') "
                    "WHERE seq = (SELECT min(seq) FROM events WHERE action = 'assess')")
        con.commit()
        con.close()
        url = self.pg.new_database()
        p = migrate("--from", "sqlite:" + tampered, "--to", url, "--data",
                    os.path.join(self.tmp, "tampered-target"))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("audit chain", p.stderr)
        self.assertIn("unchanged", p.stderr)
        self.assert_empty(url)

    def test_9_a_missing_attachment_file_is_refused_and_the_target_stays_empty(self):
        missing = self.copy_source("missing")
        shutil.rmtree(os.path.join(missing, "attachments"))
        url = self.pg.new_database()
        p = migrate("--from", "sqlite:" + missing, "--to", url, "--data",
                    os.path.join(self.tmp, "missing-target"))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("is missing", p.stderr)
        self.assert_empty(url)

    def test_9b_a_table_the_binary_does_not_know_is_refused(self):
        extra = self.copy_source("extra")
        con = sqlite3.connect(os.path.join(extra, "redress.db"))
        con.execute("CREATE TABLE gadgets (id INTEGER PRIMARY KEY)")
        con.commit()
        con.close()
        url = self.pg.new_database()
        p = migrate("--from", "sqlite:" + extra, "--to", url)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("gadgets", p.stderr)
        self.assert_untouched(url)

    def test_9c_packed_records_reach_postgresql_as_their_json(self):
        # Two imports: the first one's records make the store's dictionary (migration 0020),
        # the second one's are packed, and so are the receipts of complaints made after them
        # (the `received` event's copy of the record, migration 0021). On PostgreSQL each record
        # and each receipt is its JSON, and both stores export the same file.
        from test_import_postgres import row, write_csv  # its CFPB-like rows (no cycle now)
        source = os.path.join(self.tmp, "packed")
        for name, rows in (("first.csv", range(0, 100)), ("second.csv", range(100, 340))):
            path = os.path.join(self.tmp, name)
            write_csv(path, [row(i) for i in rows])
            p = h.run_cli("import", "cfpb", path, data_dir=source)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        db = os.path.join(source, "redress.db")
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            packed = con.execute("SELECT count(*) FROM complaint_docs "
                                 "WHERE packed IS NOT NULL").fetchone()[0]
        finally:
            con.close()
        self.assertEqual(packed, 240)
        served = h.Server(data_dir=source)
        served.start()
        try:
            made = [served.create_complaint(description=f"Made after the import, {i}.")
                    for i in range(3)]
        finally:
            served.close()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            receipts = con.execute("SELECT reference FROM events WHERE after_packed IS NOT NULL "
                                   "AND \"after\" = '' ORDER BY seq").fetchall()
            docs = [(i, v, doc) for i, v, _, doc in stored_records.records(con)]
            events = stored_records.events(con)
        finally:
            con.close()
        self.assertEqual([r for (r,) in receipts], [m["reference"] for m in made])
        url = self.pg.new_database()
        p = migrate("--from", "sqlite:" + source, "--to", url,
                    "--data", os.path.join(self.tmp, "packed-target"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        got = PgCluster.query(url, "SELECT id, version, encode(convert_to(doc, 'UTF8'), 'hex') "
                                   "FROM complaints ORDER BY id")
        self.assertEqual([(int(i), int(v), bytes.fromhex(d).decode()) for i, v, d in got], docs)
        got = PgCluster.query(url, "SELECT seq, encode(convert_to(\"before\" || chr(1) || "
                                   "\"after\", 'UTF8'), 'hex'), hash FROM events "
                                   f"WHERE seq <= {len(events)} ORDER BY seq")
        self.assertEqual([(int(s), *bytes.fromhex(p).decode().split("\x01"), hh)
                          for s, p, hh in got], events)
        for i in range(3):  # the receipts decoded hold what was sent
            self.assertTrue(any(f"Made after the import, {i}." in e[2] for e in events), i)
        exported = [h.run_cli("export", "csv", data_dir=source),
                    h.run_cli("export", "csv", "--store", url,
                              data_dir=os.path.join(self.tmp, "packed-target"))]
        for e in exported:
            self.assertEqual(e.returncode, 0, e.stderr)
        self.assertEqual(exported[0].stdout, exported[1].stdout)


if __name__ == "__main__":
    unittest.main()
