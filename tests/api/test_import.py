"""`redress import cfpb` and `redress export csv` on the real CFPB samples in ../shared/data.

Counts are checked against Python's csv module over the same files; the round trip is
import -> export -> import into a new data directory -> export, and the two exports must be
byte-identical and the records equal.
"""
import collections
import csv
import gzip
import hashlib
import json
import os
import pty
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402
import stored_records  # noqa: E402

DATA = os.path.normpath(os.path.join(h.SOURCE_DIR, "..", "shared", "data"))
CURRENT = os.path.join(DATA, "cfpb-2020-03-export-head.csv.gz")
LEGACY = os.path.join(DATA, "cfpb-2014-11-legacy-export-sample.csv.gz")
LATER = os.path.join(DATA, "cfpb-2026-04-export-random-sample.csv.gz")
# No Complaint ID of it is in LATER.
SEPTEMBER_2023 = os.path.join(DATA, "cfpb-2023-09-export-head.csv.gz")
SAMPLE = os.path.join(DATA, "cfpb-sample-1000.csv")
SUMMARY_KEYS = {"rows", "imported", "updated", "unchanged", "bad", "seconds", "rows_per_s"}


def read_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cli(*args, data_dir=None):
    return h.run_cli(*args, data_dir=data_dir)


def query(data_dir, sql):
    db = sqlite3.connect("file:" + os.path.join(data_dir, "redress.db") + "?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def import_json(test, path, data_dir, *extra):
    p = cli("import", "cfpb", path, "--json", *extra, data_dir=data_dir)
    test.assertEqual(p.returncode, 0, p.stderr)
    summary = json.loads(p.stdout)
    test.assertEqual(set(summary), SUMMARY_KEYS)
    return summary


@unittest.skipUnless(os.path.isdir(DATA), f"no shared data at {DATA}")
class ImportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="redress-import-")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_counts_by_product_match_the_csv_module_and_reimport_adds_nothing(self):
        latest = {}  # Complaint ID -> row; a later file wins, as the import updates
        for path in (CURRENT, LEGACY, LATER):
            rows = read_rows(path)
            s = import_json(self, path, self.data)
            self.assertEqual(s["rows"], len(rows))
            self.assertEqual(s["bad"], 0)
            again = {r["Complaint ID"] for r in rows} & set(latest)
            self.assertEqual(s["updated"] + s["unchanged"], len(again), path)
            self.assertEqual(s["imported"], len(rows) - len(again), path)
            for r in rows:
                latest[r["Complaint ID"]] = r
        # The files share 6 IDs, whose product names changed between export dates.
        self.assertEqual(len(latest), 5565 + 4443 + 3374 - 6)
        expected = collections.Counter(r["Product"] for r in latest.values())
        got = dict(query(self.data, "SELECT product, count(*) FROM complaints GROUP BY product"))
        self.assertEqual(got, dict(expected))
        narratives = sum(1 for r in latest.values() if r.get("Consumer complaint narrative"))
        self.assertEqual(query(self.data, "SELECT count(*) FROM complaint_text "
                                          "WHERE description != ''")[0][0], narratives)

        # A second import of the same file adds nothing and changes nothing.
        before = query(self.data, "SELECT count(*), max(seq) FROM events")[0]
        s = import_json(self, LATER, self.data)
        self.assertEqual((s["imported"], s["updated"], s["unchanged"]), (0, 0, 3374))
        self.assertEqual(query(self.data, "SELECT count(*), max(seq) FROM events")[0], before)

        # The same IDs from an older export: updated, each with an event holding the change.
        s = import_json(self, SAMPLE, self.data)
        self.assertEqual(s["imported"], 0)
        self.assertGreaterEqual(s["updated"], 1)
        self.assertEqual(s["updated"] + s["unchanged"], 1000)
        updates = query(self.data, "SELECT count(*) FROM events WHERE action = 'import_updated'")
        self.assertGreaterEqual(updates[0][0], s["updated"])

        p = cli("audit", "verify", data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.startswith("ok:"), p.stdout)

    def test_imported_event_names_the_row_and_digests_the_stored_record(self):
        # The first import's records make the store's dictionary (migration 0020): every record
        # of the second is packed, and decodes (stored_records.py) to what the event digests.
        import_json(self, SEPTEMBER_2023, self.data)
        rows = {r["Complaint ID"]: r for r in read_rows(LATER)}
        import_json(self, LATER, self.data)
        con = sqlite3.connect("file:" + os.path.join(self.data, "redress.db") + "?mode=ro",
                              uri=True)
        try:
            found = [(ref, stored_records.record_text(con, doc, packed, ref), packed, after)
                     for ref, doc, packed, after in con.execute(
                         "SELECT c.reference, d.doc, d.packed, e.after FROM complaints c "
                         "JOIN complaint_docs d ON d.id = c.id "
                         "JOIN events e ON e.complaint_id = c.id "
                         "WHERE e.action = 'imported'")]
            dictionaries = con.execute("SELECT count(*) FROM record_dicts").fetchone()[0]
        finally:
            con.close()
        self.assertEqual(dictionaries, 1)
        later = [f for f in found if json.loads(f[3])["source"]["id"] in rows]
        self.assertEqual(len(later), len(rows))
        self.assertEqual(sum(packed is not None for _, _, packed, _ in later), len(rows))
        plain = sum(packed is None for _, _, packed, _ in found)
        self.assertGreater(plain, 0)  # the first import's, written before the dictionary
        # Packed, the records take well under half their size (a narrative less so).
        self.assertLess(sum(len(packed) for _, _, packed, _ in later) * 2,
                        sum(len(doc) for _, doc, _, _ in later))
        keys = dict(query(self.data, "SELECT external_id, row_hash FROM source_keys"))
        for reference, doc, _, after_text in later:
            after = json.loads(after_text)
            self.assertEqual(set(after), {"source", "record_sha256"})
            source = after["source"]
            self.assertEqual(source["system"], "cfpb")
            self.assertIn(source["id"], rows)
            self.assertEqual(source["row_digest"], keys[source["id"]])
            self.assertEqual(json.loads(doc)["source"]["id"], source["id"])
            # The stored text without its reference member (first, then a comma).
            member = '"reference":"%s",' % reference
            self.assertTrue(doc.startswith("{" + member), doc[:80])
            record = "{" + doc[len(member) + 1:]
            self.assertEqual(hashlib.sha256(record.encode()).hexdigest(),
                             after["record_sha256"], reference)

    def test_bad_rows_are_reported_by_line_and_skipped(self):
        src = os.path.join(self.tmp, "bad.csv")
        with open(SAMPLE, "rb") as f:
            lines = f.read().split(b"\n")
        header = lines[0]
        good = [l for l in lines[1:] if l.count(b",") == 17 and b'"' not in l][:4]
        self.assertEqual(len(good), 4)
        bad_date = good[1].replace(good[1][:10], b"2019-02-30", 1)
        latin1 = good[2].replace(b",", b",caf\xe9 ", 1)  # Latin-1 in the Product column
        body = [header, good[0], bad_date, b"only,three,fields", latin1, good[3]]
        with open(src, "wb") as f:
            f.write(b"\n".join(body) + b"\n")
        p = cli("import", "cfpb", src, "--json", data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = json.loads(p.stdout)
        self.assertEqual((s["rows"], s["imported"], s["bad"]), (5, 2, 3))
        errors = p.stderr.strip().splitlines()
        self.assertEqual(len(errors), 3, p.stderr)
        self.assertIn("bad.csv:3: 'Date received' is not a date", errors[0])
        self.assertIn("bad.csv:4: expected 18 fields, found 3", errors[1])
        self.assertIn("bad.csv:5: 'Product' is not valid UTF-8", errors[2])

        # --rejects: the bad rows as read, with their line and reason, in a CSV file that,
        # fixed, imports again (its two columns of ours are ignored).
        rejects = os.path.join(self.tmp, "rejects.csv")
        again = os.path.join(self.tmp, "again")
        p = cli("import", "cfpb", src, "--json", "--rejects", rejects, data_dir=again)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["bad"], 3)
        self.assertIn("3 bad rows written to " + rejects, p.stderr)
        with open(rejects, encoding="utf-8", errors="surrogateescape", newline="") as f:
            kept = list(csv.reader(f))
        self.assertEqual(kept[0], header.decode().split(",") + ["Redress line", "Redress reason"])
        self.assertEqual([r[-2] for r in kept[1:]], ["3", "4", "5"])
        self.assertIn("is not a date", kept[1][-1])
        self.assertEqual(kept[2], ["only", "three", "fields", "4", "expected 18 fields, found 3"])
        self.assertEqual(kept[1][:18], bad_date.decode().split(","))
        with open(rejects, "rb") as f:
            raw = f.read()
        self.assertIn(b"caf\xe9 ", raw)  # the row's bytes as read
        fixed = os.path.join(self.tmp, "fixed.csv")
        with open(fixed, "wb") as f:
            f.write(raw.replace(b"2019-02-30", b"2019-02-28", 1))
        p = cli("import", "cfpb", fixed, "--json", data_dir=again)
        self.assertEqual(p.returncode, 0, p.stderr)
        s = json.loads(p.stdout)
        self.assertEqual((s["rows"], s["imported"], s["bad"]), (3, 1, 2))
        self.assertEqual(query(again, "SELECT count(*) FROM complaints"), [(3,)])
        p = cli("import", "cfpb", src, "--strict", "--rejects", rejects, data_dir=again)
        self.assertEqual(p.returncode, 2)
        self.assertIn("leave out --strict", p.stderr)

        # --strict: exit 2 at the first bad row, and nothing written.
        strict_dir = os.path.join(self.tmp, "strict")
        p = cli("import", "cfpb", src, "--strict", data_dir=strict_dir)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn(":3:", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(strict_dir, "redress.db")))
        # ... also into an existing store: it stays as it was.
        before = query(self.data, "SELECT count(*) FROM complaints")
        p = cli("import", "cfpb", src, "--strict", data_dir=self.data)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(query(self.data, "SELECT count(*) FROM complaints"), before)

    def test_bad_usage_exits_2_with_one_line(self):
        for args in (["import", "cfpb", os.path.join(self.tmp, "missing.csv")],
                     ["import", "cfpb", os.path.join(DATA, "tdi-insurance-complaints-state-farm"
                                                           ".csv.gz")],
                     ["import", "cfpb", SAMPLE, "--reference-prefix", "bad"]):
            with self.subTest(args=args):
                p = cli(*args, data_dir=self.data)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertFalse(os.path.exists(self.data))
        p = cli("export", "csv", data_dir=self.data)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no store", p.stderr)

    def test_export_then_import_round_trips(self):
        for path in (LEGACY, CURRENT, LATER):
            import_json(self, path, self.data)
        first = os.path.join(self.tmp, "first.csv")
        p = cli("export", "csv", "--out", first, data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = read_rows(first)
        self.assertEqual(len(rows), 5565 + 4443 + 3374 - 6)
        self.assertEqual(list(rows[0]), list(read_rows(SAMPLE)[0]))  # the 18 columns, in order

        other = os.path.join(self.tmp, "other")
        s = import_json(self, first, other)
        self.assertEqual((s["imported"], s["bad"]), (len(rows), 0))
        second = os.path.join(self.tmp, "second.csv")
        p = cli("export", "csv", "--out", second, data_dir=other)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(first, "rb") as a, open(second, "rb") as b:
            self.assertTrue(a.read() == b.read(), "the two exports differ")
        # Without --out the export goes to stdout.
        p = cli("export", "csv", data_dir=other)
        with open(second, encoding="utf-8", newline="") as f:
            self.assertEqual(p.stdout, f.read())

        # The records are equal, bar when each store wrote them.
        def records(d):
            out = []
            con = sqlite3.connect("file:" + os.path.join(d, "redress.db") + "?mode=ro", uri=True)
            try:
                stored = stored_records.records(con)
            finally:
                con.close()
            for _, _, ref, doc in stored:
                j = json.loads(doc)
                for k in ("logged_at", "updated_at"):
                    j.pop(k, None)
                out.append((ref, j))
            return out
        self.assertEqual(records(self.data), records(other))

        # Importing the export into the store it came from changes nothing.
        s = import_json(self, first, self.data)
        self.assertEqual((s["imported"], s["updated"]), (0, 0))
        for d in (self.data, other):
            p = cli("audit", "verify", data_dir=d)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_a_zip_archive_and_standard_input_import_as_the_file_does(self):
        # The CFPB publishes its database as complaints.csv.zip: imported as it is.
        zipped = os.path.join(self.tmp, "complaints.csv.zip")
        with gzip.open(CURRENT, "rb") as src, \
                zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("README.txt", "not the data")
            z.writestr("complaints.csv", src.read())
        s = import_json(self, zipped, self.data)
        self.assertEqual((s["rows"], s["imported"], s["bad"]), (4443, 4443, 0))
        s = import_json(self, CURRENT, self.data)  # the same records: nothing to do
        self.assertEqual((s["imported"], s["updated"], s["unchanged"]), (0, 0, 4443))

        # Standard input ("-"), gzip or plain, with or without --strict.
        def from_stdin(data_dir, raw, *extra):
            return subprocess.run([h.BIN, "import", "cfpb", "-", "--json", "--data", data_dir,
                                   *extra], input=raw, capture_output=True, timeout=120,
                                  env={**os.environ, "REDRESS_POLICIES": h.POLICIES})
        with open(LATER, "rb") as f:
            gz = f.read()
        p = from_stdin(self.data, gz)
        self.assertEqual(p.returncode, 0, p.stderr)
        later = json.loads(p.stdout)
        self.assertEqual((later["rows"], later["imported"] + later["updated"]), (3374, 3374))
        p = from_stdin(self.data, gzip.decompress(gz), "--strict")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["unchanged"], 3374)
        self.assertEqual(query(self.data, "SELECT count(*) FROM complaints"),
                         [(4443 + later["imported"],)])

        # Bad input on standard input: named <stdin>, and with --strict nothing is created.
        with open(SAMPLE, "rb") as f:
            lines = f.read().split(b"\n")
        bad = b"\n".join([lines[0], lines[1], b"only,three,fields"]) + b"\n"
        fresh = os.path.join(self.tmp, "fresh")
        p = from_stdin(fresh, bad, "--strict")
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn(b"<stdin>:3: expected 18 fields, found 3; nothing imported", p.stderr)
        self.assertFalse(os.path.exists(fresh))
        p = from_stdin(fresh, b"a,b\n1,2\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"not a CFPB complaint export", p.stderr)
        p = from_stdin(fresh, b"", "--strict")  # named as given, not as its temporary copy
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, b"redress: <stdin> is empty: no CSV header\n")
        self.assertFalse(os.path.exists(fresh))
        p = from_stdin(fresh, bad)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["bad"], 1)

        # An archive is read from its path (its directory is at its end), not from a pipe.
        piped = os.path.join(self.tmp, "piped")
        with open(zipped, "rb") as f:
            p = from_stdin(piped, f.read())
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"standard input holds a ZIP archive", p.stderr)
        self.assertFalse(os.path.exists(piped))

        # An archive that does not say which file is the data: exit 2, nothing created.
        two = os.path.join(self.tmp, "two.zip")
        with zipfile.ZipFile(two, "w") as z:
            z.writestr("a.csv", "x")
            z.writestr("b.csv", "y")
        p = cli("import", "cfpb", two, data_dir=os.path.join(self.tmp, "two"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("expected one CSV file", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "two")))

    def test_export_to_a_gz_name_is_gzip_compressed(self):
        import_json(self, CURRENT, self.data)
        plain = os.path.join(self.tmp, "out.csv")
        packed = os.path.join(self.tmp, "out.csv.gz")
        for out in (plain, packed):
            p = cli("export", "csv", "--out", out, data_dir=self.data)
            self.assertEqual(p.returncode, 0, p.stderr)
        with open(plain, "rb") as a, gzip.open(packed, "rb") as b:
            text = a.read()
            self.assertEqual(b.read(), text)
        self.assertLess(os.path.getsize(packed), len(text) // 3)
        s = import_json(self, packed, os.path.join(self.tmp, "again"))
        self.assertEqual((s["imported"], s["bad"]), (4443, 0))

    def test_export_of_a_period(self):
        import_json(self, CURRENT, self.data)
        every = os.path.join(self.tmp, "every.csv")
        p = cli("export", "csv", "--out", every, data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = read_rows(every)
        days = sorted({r["Date received"] for r in rows})
        self.assertGreater(len(days), 3, days)
        lo, hi = days[1], days[-2]  # a period that leaves complaints out at both ends

        def exported(*args):
            out = os.path.join(self.tmp, "period.csv")
            p = cli("export", "csv", "--out", out, *args, data_dir=self.data)
            self.assertEqual(p.returncode, 0, p.stderr)
            got = read_rows(out)
            self.assertIn(f"exported {len(got)} complaints", p.stdout)
            return [r["Complaint ID"] for r in got]

        ids = lambda keep: [r["Complaint ID"] for r in rows if keep(r["Date received"])]
        self.assertEqual(exported("--from", lo, "--to", hi), ids(lambda d: lo <= d <= hi))
        self.assertEqual(exported("--from", hi), ids(lambda d: d >= hi))
        self.assertEqual(exported("--to", lo), ids(lambda d: d <= lo))
        self.assertEqual(exported("--from", days[-1], "--to", days[-1]),
                         ids(lambda d: d == days[-1]))
        self.assertEqual(exported("--from", "2999-01-01"), [])
        # A period's rows are the whole export's rows, byte for byte.
        with open(every, encoding="utf-8") as f:
            lines = f.read().splitlines()
        p = cli("export", "csv", "--from", lo, "--to", hi, data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(set(p.stdout.splitlines()) <= set(lines))

        # A bad day or an empty period: exit 2, one line, and no file.
        bad = os.path.join(self.tmp, "bad.csv")
        for args, says in ((("--from", "03/01/2020"), "--from must be a date"),
                           (("--to", "2020-02-30"), "--to must be a date"),
                           (("--from", hi, "--to", lo), "--from must not be after --to")):
            with self.subTest(args=args):
                p = cli("export", "csv", "--out", bad, *args, data_dir=self.data)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn(says, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertFalse(os.path.exists(bad))

    def test_progress_on_a_terminal_says_how_much_of_the_file_is_read(self):
        # 45,000 rows of the real exports (new IDs after the first pass): progress every 20,000.
        csv_path = os.path.join(self.tmp, "rows.csv")
        made = subprocess.run([sys.executable, os.path.join(h.SOURCE_DIR, "bench",
                                                            "make_volume_csv.py"),
                               "--rows", "45000", "--out", csv_path, "--data", DATA],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(made.returncode, 0, made.stderr)
        pid, fd = pty.fork()
        if pid == 0:  # the child: stderr is the terminal
            os.execve(h.BIN, [h.BIN, "import", "cfpb", csv_path, "--data", self.data],
                      {**os.environ, "REDRESS_POLICIES": h.POLICIES})
        out = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        text = out.decode("utf-8", "replace")
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, text)
        shares = [int(m) for m in re.findall(r"importing: (\d+)% of the file, \d+ rows read", text)]
        rows = [int(m) for m in re.findall(r"% of the file, (\d+) rows read", text)]
        self.assertEqual(rows, [20000, 40000], text)
        self.assertEqual(len(shares), 2, text)
        self.assertTrue(0 < shares[0] < shares[1] <= 100, shares)
        # The file is read in 1 MiB chunks: at 40,000 of 45,000 rows, most of it.
        self.assertGreaterEqual(shares[1], 70, shares)
        self.assertIn("45000 rows: 45000 imported", text)

    def test_a_new_stores_first_import_flushes_once_and_its_mark_outlives_a_kill(self):
        # The first import into a new store writes without syncs under the mark
        # redress.db.unsynced-load (the boot id); killed, it leaves the mark, which a later
        # opening in the same boot clears and one from another boot refuses (docs/import.md).
        mark = os.path.join(self.data, "redress.db.unsynced-load")
        s = import_json(self, SAMPLE, self.data)
        self.assertEqual(s["imported"], 1000)
        self.assertFalse(os.path.exists(mark))

        rows = read_rows(CURRENT)
        big = os.path.join(self.tmp, "big.csv")
        copies = 20  # about 89,000 rows: seconds to import
        with open(big, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            for i in range(copies):
                for j, r in enumerate(rows):
                    w.writerow({**r, "Complaint ID": str(90_000_000 + i * 10_000 + j)})
        data = os.path.join(self.tmp, "killed")
        proc = subprocess.Popen([h.BIN, "import", "cfpb", big, "--data", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "REDRESS_POLICIES": h.POLICIES})
        mark = os.path.join(data, "redress.db.unsynced-load")
        deadline = time.monotonic() + 30
        while not os.path.exists(mark) and time.monotonic() < deadline:
            time.sleep(0.01)
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot_id = f.read()
        self.assertTrue(os.path.exists(mark))
        time.sleep(0.5)
        proc.kill()
        proc.wait()
        if not os.path.exists(mark):
            self.skipTest("the import ended before it was killed")
        with open(mark) as f:
            self.assertEqual(f.read(), boot_id)

        # As if the machine had stopped during the import: refused, and nothing changes.
        with open(mark, "w") as f:
            f.write("00000000-0000-0000-0000-000000000000\n")
        db = os.path.join(data, "redress.db")
        before = (os.path.getsize(db), os.path.getmtime(db))
        for args in (("import", "cfpb", SAMPLE), ("audit", "verify")):
            p = cli(*args, data_dir=data)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("when the machine stopped", p.stderr)
            self.assertIn("run the import again", p.stderr)
        self.assertEqual((os.path.getsize(db), os.path.getmtime(db)), before)

        # In this boot: the process died, its writes are in the page cache. The next import
        # flushes them, removes the mark, and the whole file is there once.
        with open(mark, "w") as f:
            f.write(boot_id)
        s = import_json(self, big, data)
        self.assertFalse(os.path.exists(mark))
        self.assertEqual(s["rows"], copies * len(rows))
        self.assertEqual(query(data, "SELECT count(*) FROM complaints")[0][0], copies * len(rows))
        p = cli("audit", "verify", data_dir=data)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_import_while_the_server_runs(self):
        os.makedirs(self.data)
        server = h.Server(data_dir=self.data)
        server.start()
        try:
            s = import_json(self, SAMPLE, self.data)
            self.assertEqual(s["imported"], 1000)
        finally:
            server.close()
        p = cli("audit", "verify", data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


CFPB_HEADER = ["Date received", "Product", "Sub-product", "Issue", "Sub-issue",
               "Consumer complaint narrative", "Company public response", "Company", "State",
               "ZIP code", "Tags", "Consumer consent provided?", "Submitted via",
               "Date sent to company", "Company response to consumer", "Timely response?",
               "Consumer disputed?", "Complaint ID"]


def write_one_row(path, narrative):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CFPB_HEADER)
        w.writerow(["2026-03-02", "Checking or savings account", "Checking account",
                    "Managing an account", "Deposits and withdrawals", narrative, "",
                    "EXAMPLE BANK", "CA", "94105", "", "Consent provided", "Web", "2026-03-03",
                    "Closed with explanation", "Yes", "", "9000001"])


class ImportBesideTheServerTest(unittest.TestCase):
    """Needs no shared data: a one-row file of its own."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="redress-import-")
        self.data = os.path.join(self.tmp, "data")
        os.makedirs(self.data)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_a_get_shows_what_an_import_beside_the_server_changed(self):
        """The server keeps the view of a complaint it served; an import by another process
        that changes the complaint is shown by the gets that follow (within the writer's
        10 ms look for other processes' commits), not the view kept from before."""
        server = h.Server(data_dir=self.data)
        server.add_user("manager")
        server.start()
        try:
            csv_path = os.path.join(self.tmp, "one.csv")
            write_one_row(csv_path, "The first account of what happened.")
            self.assertEqual(import_json(self, csv_path, self.data)["imported"], 1)
            page = server.request("GET", "/api/v1/complaints", as_user="manager").json()
            self.assertEqual(len(page["items"]), 1)
            path = "/api/v1/complaints/" + page["items"][0]["reference"]
            for _ in range(2):  # the second get is served from the view the first kept
                j = server.request("GET", path, as_user="manager").json()
                self.assertEqual(j["description"], "The first account of what happened.")

            flushes = self.flushes(server)
            write_one_row(csv_path, "A corrected account of what happened.")
            self.assertEqual(import_json(self, csv_path, self.data)["updated"], 1)
            seen, deadline = None, time.monotonic() + 2
            while time.monotonic() < deadline:
                seen = server.request("GET", path, as_user="manager").json()["description"]
                if seen == "A corrected account of what happened.":
                    break
                time.sleep(0.005)
            self.assertEqual(seen, "A corrected account of what happened.")
            text = server.request("GET", "/metrics").body.decode()
            self.assertRegex(text, r"(?m)^redress_view_cache_gets_total\{result=\"hit\"\} [1-9]")
            self.assertGreater(self.flushes(server), flushes)
        finally:
            server.close()

    def flushes(self, server):
        text = server.request("GET", "/metrics").body.decode()
        m = re.search(r"(?m)^redress_view_cache_flushes_total (\d+)$", text)
        self.assertIsNotNone(m, text)
        return int(m.group(1))


class ExportDestinationTest(unittest.TestCase):
    """Where `export csv --out` writes. Needs no shared data: a one-row file of its own."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="redress-export-")
        self.data = os.path.join(self.tmp, "data")
        csv_path = os.path.join(self.tmp, "one.csv")
        write_one_row(csv_path, "What happened, in one row.")
        self.assertEqual(import_json(self, csv_path, self.data)["imported"], 1)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def export(self, out):
        return cli("export", "csv", "--out", out, data_dir=self.data)

    def test_a_named_pipe_is_written_not_replaced(self):
        fifo = os.path.join(self.tmp, "pipe")
        os.mkfifo(fifo)
        got = []

        def read():
            with open(fifo, "rb") as f:
                got.append(f.read())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        p = self.export(fifo)
        reader.join(timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced")
        rows = list(csv.reader(got[0].decode().splitlines()))
        self.assertEqual((rows[0], rows[1][5], len(rows)),
                         (CFPB_HEADER, "What happened, in one row.", 2))
        self.assertFalse(os.path.exists(fifo + ".partial"))

    def test_a_symbolic_link_keeps_naming_the_new_file(self):
        target = os.path.join(self.tmp, "real.csv")
        with open(target, "w") as f:
            f.write("old\n")
        link = os.path.join(self.tmp, "link.csv")
        os.symlink(target, link)
        p = self.export(link)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.islink(link))
        with open(target, encoding="utf-8") as f:
            self.assertTrue(f.read().startswith("Date received,"))
        self.assertEqual(sorted(os.listdir(self.tmp)), ["data", "link.csv", "one.csv", "real.csv"])

    def test_a_directory_is_refused(self):
        p = self.export(self.tmp)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, f"redress: {self.tmp} is a directory\n")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["data", "one.csv"])


if __name__ == "__main__":
    unittest.main()
