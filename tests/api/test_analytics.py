"""Clause 8 over HTTP and the CLI: analytics of imported CFPB complaints checked against figures
computed here with Python's csv module; root cause -> action -> effectiveness check; an audit
sample and a finding; the management review (HTML, PDF) and the complaints return; roles and
bad input.
"""
import collections
import csv
import gzip
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import redress_harness as h  # noqa: E402

DATA = os.path.normpath(os.path.join(h.SOURCE_DIR, "..", "shared", "data"))
SAMPLE = os.path.join(DATA, "cfpb-2026-04-export-random-sample.csv.gz")
# "Company response to consumer" values that close a complaint (docs/import.md).
CLOSING = {"Closed with monetary relief", "Closed with relief", "Closed with non-monetary relief",
           "Closed with explanation", "Closed without relief", "Closed"}


def read_rows(path):
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@unittest.skipUnless(os.path.exists(SAMPLE), f"no shared data at {DATA}")
class AnalyticsOfImportedComplaints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="redress-analytics-")
        cls.data = os.path.join(cls.tmp, "data")
        p = h.run_cli("import", "cfpb", SAMPLE, "--json", data_dir=cls.data)
        assert p.returncode == 0, p.stderr
        cls.rows = read_rows(SAMPLE)
        cls.s = h.Server(data_dir=cls.data).start()
        cls.s.add_standard_users()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path, user="manager"):
        return self.s.request("GET", path, as_user=user)

    def test_counts_by_product_equal_the_csv_module(self):
        expected = collections.Counter(r["Product"] for r in self.rows)
        r = self.get("/api/v1/analytics/breakdown?by=product")
        self.assertEqual(r.status, 200, r.body)
        got = {row["product"]: row["received"] for row in r.json()["rows"]}
        self.assertEqual(got, dict(expected))
        # The CSV form carries the same figures.
        c = self.get("/api/v1/analytics/breakdown?by=product&format=csv")
        self.assertEqual(c.status, 200)
        self.assertTrue(c.header("content-type").startswith("text/csv"))
        from_csv = {row["product"]: int(row["received"])
                    for row in csv.DictReader(io.StringIO(c.body.decode()))}
        self.assertEqual(from_csv, dict(expected))
        # One filter, two keys, and the totals still add up.
        product = expected.most_common(1)[0][0]
        by_month = self.get("/api/v1/analytics/breakdown?by=month,channel&product="
                            + product.replace(" ", "%20").replace(",", "%2C"))
        self.assertEqual(by_month.status, 200, by_month.body)
        self.assertEqual(sum(x["received"] for x in by_month.json()["rows"]), expected[product])

    def test_timely_response_rate_equals_the_csv_module(self):
        closed = [r for r in self.rows if r["Company response to consumer"] in CLOSING]
        yes = sum(1 for r in closed if r["Timely response?"] == "Yes")
        no = sum(1 for r in closed if r["Timely response?"] == "No")
        r = self.get("/api/v1/analytics/dashboard")
        self.assertEqual(r.status, 200, r.body)
        k = r.json()["kpis"]
        self.assertEqual(k["received"], len(self.rows))
        self.assertEqual(k["closed"], len(closed))
        # Of the closed complaints (open ones whose clock ran out count as breached too).
        only_closed = self.get("/api/v1/analytics/dashboard?state=closed").json()["kpis"]
        self.assertEqual(only_closed["received"], len(closed))
        self.assertAlmostEqual(only_closed["final_on_time"], yes / (yes + no), places=9)
        relief = sum(1 for r in closed if r["Company response to consumer"] in
                     ("Closed with monetary relief", "Closed with relief"))
        self.assertAlmostEqual(only_closed["upheld"], relief / len(closed), places=9)
        # Weekly trend covers every complaint, and CSV of the KPIs lists them.
        self.assertEqual(sum(w["received"] for w in r.json()["weekly"]), len(self.rows))
        c = self.get("/api/v1/analytics/dashboard?format=csv")
        self.assertIn("final_on_time,", c.body.decode())

    def test_a_period_and_a_filter_narrow_every_figure(self):
        dates = sorted(r["Date received"] for r in self.rows)
        # Dates in the export are YYYY-MM-DD or MM/DD/YYYY; the import keeps the day.
        r = self.get("/api/v1/analytics/dashboard?from=2026-01-01&to=2026-03-31")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["from"], "2026-01-01")
        self.assertEqual(body["to"], "2026-03-31")  # the last day, as asked for
        # Objectives (policies/objectives.toml) with the period's figure beside each.
        objectives = {o["kpi"]: o for o in body["objectives"]}
        self.assertEqual(objectives["final_on_time"]["objective"], 0.95)
        self.assertEqual(objectives["final_on_time"]["actual"], body["kpis"]["final_on_time"])
        self.assertFalse(objectives["reopen_rate"]["higher_is_better"])
        self.assertFalse(objectives["satisfaction_handling"]["share"])
        total = body["kpis"]["received"]
        self.assertLessEqual(total, len(self.rows))
        self.assertIsNotNone(dates)
        by_cat = self.get("/api/v1/analytics/breakdown?by=category&from=2026-01-01&to=2026-03-31")
        self.assertEqual(sum(x["received"] for x in by_cat.json()["rows"]), total)

    def test_bad_queries_are_problems_and_roles_are_checked(self):
        for q in ("by=nonsense", "from=2026-13-01", "to=yesterday", "colour=red", "format=xml",
                  "from=2026-05-01&to=2026-04-01", "by=category,product,channel"):
            r = self.get("/api/v1/analytics/breakdown?" + q)
            self.assertIn(r.status, (400, 422), q)
            self.assertTrue(r.header("content-type").startswith("application/problem+json"), q)
        self.assertEqual(self.get("/api/v1/analytics/dashboard", user="handler").status, 403)
        self.assertEqual(self.s.request("GET", "/api/v1/analytics/dashboard").status, 401)
        self.assertEqual(self.get("/api/v1/analytics/dashboard", user="auditor").status, 200)

    def test_open_ageing_spikes_and_pareto(self):
        o = self.get("/api/v1/analytics/open")
        self.assertEqual(o.status, 200, o.body)
        open_rows = [r for r in self.rows if r["Company response to consumer"] not in CLOSING]
        self.assertEqual(sum(x["count"] for x in o.json()["rows"]), len(open_rows))
        s = self.get("/api/v1/analytics/spikes?by=product&to=2026-04-30")
        self.assertEqual(s.status, 200, s.body)
        for spike in s.json()["spikes"]:
            self.assertGreaterEqual(spike["count"], 5)
        p = self.get("/api/v1/analytics/pareto?by=product")
        self.assertEqual(p.status, 200)
        rows = p.json()["rows"]
        self.assertEqual(sum(x["count"] for x in rows), len(self.rows))
        self.assertAlmostEqual(rows[-1]["cumulative"], 1.0, places=9)
        self.assertTrue(rows[0]["vital"])

    def test_complaints_return_and_cli(self):
        r = self.get("/api/v1/exports/complaints-return?from=2015-01-01&to=2026-06-30")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertTrue(body["by_product"])
        for row in body["by_product"]:
            self.assertEqual(row["within_3_business_days"] + row["within_8_weeks"] + row["later"],
                             row["closed"])
        c = self.get("/api/v1/exports/complaints-return?from=2015-01-01&to=2026-06-30"
                     "&format=csv&table=cause")
        self.assertEqual(c.status, 200)
        self.assertTrue(c.body.decode().startswith("product_group,cause,"))
        p = h.run_cli("report", "return", "--from", "2015-01-01", "--to", "2026-06-30",
                      data_dir=self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual(sum(int(x["opened"]) for x in lines),
                         sum(x["opened"] for x in body["by_product"]))
        bad = h.run_cli("report", "return", "--from", "2026-02-30", "--to", "2026-06-30",
                        data_dir=self.data)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--from", bad.stderr)


class LearningWorkflow(unittest.TestCase):
    """Root cause, corrective action, effectiveness check, annotation, audit and review on a
    server of complaints made through the API."""

    @classmethod
    def setUpClass(cls):
        cls.s = h.Server().start()
        cls.s.add_standard_users()
        cls.refs = []
        for i in range(4):
            c = cls.s.create_complaint(description=f"Charged twice for transfer {i}.")
            cls.refs.append(c["reference"])

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_root_cause_action_and_check(self):
        s = self.s
        bad = s.request("POST", "/api/v1/root-causes", {"title": "x", "complaints": [],
                                                        "colour": "red"}, as_user="manager")
        self.assertEqual(bad.status, 422, bad.body)
        none = s.request("POST", "/api/v1/root-causes",
                         {"title": "Batch ran twice", "complaints": ["CMP-2026-999999-X"]},
                         as_user="manager")
        self.assertIn(none.status, (400, 404, 422))
        r = s.request("POST", "/api/v1/root-causes",
                      {"title": "Batch ran twice", "method": "five_whys", "category": "system",
                       "whys": ["Fee charged twice", "The batch ran twice", "No lock"],
                       "complaints": self.refs[:3]}, as_user="manager")
        self.assertEqual(r.status, 201, r.body)
        rc = r.json()
        self.assertEqual(r.header("location"), f"/api/v1/root-causes/{rc['id']}")
        self.assertEqual(rc["complaints"], self.refs[:3])
        events = s.request("GET", f"/api/v1/complaints/{self.refs[0]}/events", as_user="manager")
        body = events.json()
        listed = body.get("events", body.get("items", [])) if isinstance(body, dict) else body
        self.assertIn("root_cause_linked", [e["action"] for e in listed])
        # An investigator links only complaints they investigate; only managers own actions.
        r2 = s.request("POST", "/api/v1/root-causes", {"title": "t", "complaints": self.refs[:1]},
                       as_user="investigator")
        self.assertEqual(r2.status, 422, r2.body)
        body = {"root_cause_id": rc["id"], "title": "Lock the fee batch", "owner": "manager",
                "due": "2020-01-31",
                "check": {"measure": "volume", "where": {"channel": "web"}, "window": "month",
                          "below": True, "threshold": 100, "check_on": "2020-03-01"}}
        self.assertEqual(s.request("POST", "/api/v1/actions", body, as_user="investigator").status,
                         403)
        a = s.request("POST", "/api/v1/actions", body, as_user="manager")
        self.assertEqual(a.status, 201, a.body)
        action = a.json()
        self.assertEqual(action["attention"], "overdue")
        att = s.request("GET", "/api/v1/actions?attention=true", as_user="manager").json()
        self.assertIn(action["id"], [x["id"] for x in att["actions"]])
        # Evaluated now: no web complaints in February 2020, 0 < 100: effective.
        chk = s.request("POST", f"/api/v1/actions/{action['id']}/check", as_user="manager")
        self.assertEqual(chk.status, 200, chk.body)
        self.assertEqual(chk.json()["check"]["measured"], 0)
        self.assertIs(chk.json()["check"]["effective"], True)
        wrong = dict(body, owner="nobody-here")
        self.assertEqual(s.request("POST", "/api/v1/actions", wrong, as_user="manager").status, 422)

    def test_annotation_audit_and_review(self):
        s = self.s
        a = s.request("POST", "/api/v1/analytics/annotations",
                      {"day": "2026-01-15", "kind": "launch", "label": "New <card> launched",
                       "scope": {"product": "Credit card"}}, as_user="manager")
        self.assertEqual(a.status, 201, a.body)
        listed = s.request("GET", "/api/v1/analytics/annotations", as_user="auditor").json()
        self.assertIn("New <card> launched", [x["label"] for x in listed["annotations"]])
        self.assertEqual(s.request("POST", "/api/v1/analytics/annotations",
                                   {"day": "2026-02-30", "label": "x"}, as_user="manager").status,
                         422)
        d = s.request("DELETE", f"/api/v1/analytics/annotations/{a.json()['id']}",
                      as_user="manager")
        self.assertEqual(d.status, 204)
        listed = s.request("GET", "/api/v1/analytics/annotations", as_user="auditor").json()
        self.assertNotIn(a.json()["id"], [x["id"] for x in listed["annotations"]])

        audit = s.request("POST", "/api/v1/audits", {"from": "2020-01-01", "to": "2030-12-31",
                                                     "size": 5, "seed": "7"}, as_user="auditor")
        self.assertEqual(audit.status, 201, audit.body)
        self.assertEqual(audit.json()["seed"], "7")
        self.assertEqual(audit.json()["items"], [])  # nothing closed yet
        self.assertEqual(s.request("POST", "/api/v1/audits", {"from": "2020-01-01"},
                                   as_user="auditor").status, 422)
        self.assertEqual(s.request("POST", "/api/v1/audits", {"from": "2020-01-01",
                                                              "to": "2030-01-01"},
                                   as_user="manager").status, 403)

        today = "2026-11-24"
        html = s.request("GET", f"/api/v1/reports/review?from=2020-01-01&to={today}",
                         as_user="manager")
        self.assertEqual(html.status, 200, html.body)
        self.assertTrue(html.header("content-type").startswith("text/html"))
        page = html.body.decode()
        self.assertIn("<svg", page)
        self.assertNotIn("<card>", page)
        pdf = s.request("GET", f"/api/v1/reports/review?from=2020-01-01&to={today}&format=pdf",
                        as_user="auditor", timeout=120)
        if shutil.which("weasyprint"):
            self.assertEqual(pdf.status, 200, pdf.body[:300])
            self.assertTrue(pdf.body.startswith(b"%PDF-"))
        else:
            self.assertEqual(pdf.status, 503)
        self.assertEqual(s.request("GET", "/api/v1/reports/review?from=2020-01-01",
                                   as_user="manager").status, 422)
        out = os.path.join(s.data_dir, "review.html")
        p = h.run_cli("report", "review", "--from", "2020-01-01", "--to", today, "--out", out,
                      "--organisation", "Example Bank", data_dir=s.data_dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, encoding="utf-8") as f:
            self.assertIn("Example Bank", f.read())


if __name__ == "__main__":
    unittest.main()
