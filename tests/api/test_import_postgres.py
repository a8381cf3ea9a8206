"""`redress import cfpb`, `redress export csv` and `redress report` on a PostgreSQL store
(`--store URL`).

A CSV written here (no shared data needed): rows with quotes, commas, newlines and text that is
not ASCII in the narrative, both CSV layouts' optional columns, and three bad rows. Imported into
a fresh PostgreSQL database and into a SQLite data directory, the two stores must export the
same bytes; a second import adds nothing, a changed row is updated, --strict writes nothing,
the reports read the same figures from either store, the audit chain verifies, and a node
serving the database shows what was imported.

PostgreSQL: $REDRESS_PG_URL (a user that may create databases) if set, else a throwaway cluster
started here with scripts/pg-test-cluster.sh and stopped at the end.
"""
import csv
import json
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402
from test_import import CFPB_HEADER, SUMMARY_KEYS  # noqa: E402
from test_migrate_store import PgCluster  # noqa: E402

PRODUCTS = [("Checking or savings account", "Checking account", "Managing an account",
             "Deposits and withdrawals"),
            ("Credit card", "General-purpose credit card or charge card",
             "Problem with a purchase shown on your statement", "Credit card company isn't "
             "resolving a dispute about a purchase on your statement"),
            ("Mortgage", "Conventional home mortgage", "Trouble during payment process", "")]
CHANNELS = ["Web", "Phone", "Postal mail", "Referral", "Email", "Fax"]
RESPONSES = ["Closed with explanation", "Closed with monetary relief",
             "Closed with non-monetary relief", "In progress", "Untimely response"]
GOOD = 240


def row(i, narrative=None):
    product, sub_product, issue, sub_issue = PRODUCTS[i % len(PRODUCTS)]
    if narrative is None:
        narrative = ["", f"Complaint {i}: the bank charged me twice, \"again\", and said no.",
                     f"Zeile {i}: Gebühren für Überweisungen, naïve café;\nsecond line, ✓",
                     ""][i % 4]
    return [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", product, sub_product, issue, sub_issue,
            narrative, "", f"EXAMPLE BANK {i % 7}, N.A.", ["CA", "NY", "TX", ""][i % 4],
            f"{94100 + i % 50}", ["", "Older American", "Servicemember"][i % 3],
            "Consent provided" if narrative else "", CHANNELS[i % len(CHANNELS)],
            f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", RESPONSES[i % len(RESPONSES)],
            "Yes" if i % 5 else "No", "N/A", str(7_000_000 + i)]


def write_csv(path, rows):
    """Writes the header and `rows`; returns the line on which each row starts (a narrative
    may hold newlines)."""
    starts, line = [], 2
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CFPB_HEADER)
        for r in rows:
            starts.append(line)
            w.writerow(r)
            line += 1 + sum(field.count("\n") for field in r)
    return starts


BAD_AT = (10, 49, 100)  # the bad rows' places among the rows


def rows_with_bad():
    """GOOD good rows and three bad ones, at BAD_AT."""
    rows = [row(i) for i in range(GOOD)]
    bad_date = row(GOOD)
    bad_date[0] = "2025-02-30"
    rows.insert(BAD_AT[0], bad_date)
    rows.insert(BAD_AT[1], row(GOOD + 1)[:-3])  # too few columns
    no_id = row(GOOD + 2)
    no_id[-1] = ""
    rows.insert(BAD_AT[2], no_id)
    return rows


def without_generated(report):
    """A review report's text without the instant it was made (its Generated entry)."""
    return re.sub(r"<dt>Generated</dt><dd>[^<]*</dd>", "<dt>Generated</dt><dd></dd>", report)


class ImportIntoPostgresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="redress-import-pg-")
        try:
            cls.pg = PgCluster()
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_json(self, *args, data_dir=None):
        p = h.run_cli(*args, "--json", data_dir=data_dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        summary = json.loads(p.stdout)
        self.assertEqual(set(summary), SUMMARY_KEYS)
        return summary, p.stderr

    def count(self, url, table):
        return int(self.pg.scalar(url, f"SELECT count(*) FROM {table}"))

    def export(self, name, *store_args, data_dir=None):
        out = os.path.join(self.tmp, name)
        p = h.run_cli("export", "csv", "--out", out, *store_args, data_dir=data_dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"exported {GOOD} complaints", p.stdout)
        with open(out, "rb") as f:
            return f.read()

    def test_import_export_and_reimport_as_on_sqlite(self):
        url = self.pg.new_database()
        path = os.path.join(self.tmp, "rows.csv")
        starts = write_csv(path, rows_with_bad())

        s, err = self.run_json("import", "cfpb", path, "--store", url)
        self.assertEqual((s["rows"], s["imported"], s["bad"]), (GOOD + 3, GOOD, 3))
        self.assertEqual(err.count("(skipped)"), 3, err)
        for i in BAD_AT:
            self.assertIn(f"rows.csv:{starts[i]}:", err)
        self.assertEqual(self.count(url, "complaints"), GOOD)
        self.assertEqual(self.count(url, "source_keys"), GOOD)
        self.assertEqual(int(self.pg.scalar(url, "SELECT count(*) FROM events WHERE action = "
                                                 "'imported'")), GOOD)

        # The same file into SQLite: both stores export the same bytes.
        sqlite_data = os.path.join(self.tmp, "sqlite")
        s, _ = self.run_json("import", "cfpb", path, data_dir=sqlite_data)
        self.assertEqual(s["imported"], GOOD)
        from_pg = self.export("pg.csv", "--store", url)
        self.assertEqual(from_pg, self.export("sqlite.csv", data_dir=sqlite_data))
        exported = list(csv.reader(from_pg.decode().splitlines(keepends=True)))
        self.assertEqual(exported[0], CFPB_HEADER)
        self.assertIn("Zeile 2: Gebühren für Überweisungen, naïve café;\nsecond line, ✓",
                      [r[5] for r in exported])

        # Again: nothing added; one row changed: one update, the rest unchanged.
        s, _ = self.run_json("import", "cfpb", path, "--store", url)
        self.assertEqual((s["imported"], s["updated"], s["unchanged"]), (0, 0, GOOD))
        changed = rows_with_bad()
        changed[0] = row(0, narrative="A corrected account of what happened.")
        write_csv(path, changed)
        s, _ = self.run_json("import", "cfpb", path, "--store", url)
        self.assertEqual((s["imported"], s["updated"], s["unchanged"]), (0, 1, GOOD - 1))
        self.assertEqual(self.count(url, "complaints"), GOOD)
        self.assertEqual(int(self.pg.scalar(url, "SELECT count(*) FROM events WHERE action = "
                                                 "'import_updated'")), 1)

        # The export of PostgreSQL's store imports into a new SQLite one and exports the same.
        again = os.path.join(self.tmp, "again")
        exported_path = os.path.join(self.tmp, "pg.csv")
        from_pg = self.export("pg.csv", "--store", url)
        s, _ = self.run_json("import", "cfpb", exported_path, data_dir=again)
        self.assertEqual((s["imported"], s["bad"]), (GOOD, 0))
        self.assertEqual(self.export("again.csv", data_dir=again), from_pg)

        # The clause 8 reports read the same figures from either store.
        for args in (["return", "--table", "product"], ["return", "--table", "cause"],
                     ["review", "--organisation", "Example Bank"]):
            period = ["--from", "2025-01-01", "--to", "2025-12-31"]
            pg = h.run_cli("report", *args, *period, "--store", url, data_dir=self.tmp)
            self.assertEqual(pg.returncode, 0, pg.stderr)
            lite = h.run_cli("report", *args, *period, data_dir=again)
            self.assertEqual(lite.returncode, 0, lite.stderr)
            # The review names the minute it was made in, which the two runs may straddle.
            self.assertEqual(without_generated(pg.stdout), without_generated(lite.stdout), args)
        self.assertIn(f"{GOOD}", pg.stdout)

        p = h.run_cli("audit", "verify", "--json", "--store", url, data_dir=self.tmp)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(json.loads(p.stdout)["events"], GOOD + 1)

        # A node serving the database shows the imported complaints, and finds them by text.
        node = os.path.join(self.tmp, "node")
        os.makedirs(node)
        served = h.Server(data_dir=node, extra_args=["--store", url])
        served.add_user("manager")
        served.start()
        try:
            refs, cursor = set(), ""
            while True:
                page = served.request("GET", "/api/v1/complaints?limit=200" + cursor,
                                      as_user="manager").json()
                refs.update(c["reference"] for c in page["items"])
                if not page.get("next_cursor"):
                    break
                cursor = "&cursor=" + page["next_cursor"]
            self.assertEqual(len(refs), GOOD)
            found = served.request("GET", "/api/v1/complaints?q=corrected",
                                   as_user="manager").json()
            self.assertEqual(len(found["items"]), 1)
            ref = found["items"][0]["reference"]
            j = served.request("GET", "/api/v1/complaints/" + ref, as_user="manager").json()
            self.assertEqual(j["description"], "A corrected account of what happened.")
            self.assertEqual(j["source"]["id"], "7000000")
        finally:
            served.close()

    def test_strict_and_bad_usage_write_nothing(self):
        url = self.pg.new_database()
        one = os.path.join(self.tmp, "one.csv")
        write_csv(one, [row(GOOD + 10)])
        s, _ = self.run_json("import", "cfpb", one, "--store", url, "--strict")
        self.assertEqual(s["imported"], 1)
        path = os.path.join(self.tmp, "strict.csv")
        starts = write_csv(path, rows_with_bad())
        p = h.run_cli("import", "cfpb", path, "--store", url, "--strict")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"strict.csv:{starts[BAD_AT[0]]}: 'Date received' is not a date", p.stderr)
        self.assertIn("nothing imported (--strict)", p.stderr)
        self.assertEqual(self.count(url, "complaints"), 1)

        for args in (["import", "cfpb", path, "--store", "mysql://x/y"],
                     ["export", "csv", "--store", "mysql://x/y"],
                     ["report", "return", "--from", "2025-01-01", "--to", "2025-01-31",
                      "--store", "mysql://x/y"]):
            p = h.run_cli(*args)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stderr, "redress: --store must be sqlite or a postgresql:// URL\n")
        self.assertEqual(self.count(url, "complaints"), 1)

        # A server that cannot be reached: exit 1, with libpq's reason.
        unreachable = "postgresql://redress@127.0.0.1:1/none"
        p = h.run_cli("import", "cfpb", path, "--store", unreachable)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot connect", p.stderr)


if __name__ == "__main__":
    unittest.main()
