"""The API routes the staff console uses: saved views per user, the dashboard's figures,
roles, my_actions, and the complainant's satisfaction survey."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402


class ConsoleApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        cls.s.add_standard_users()
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_saved_views_are_per_user(self):
        s = self.s
        r = s.request("PUT", "/api/v1/me/views/My%20overdue", {"query": "overdue=true"},
                      as_user="handler")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["name"], "My overdue")
        s.request("PUT", "/api/v1/me/views/A", {"query": "state=received"}, as_user="handler")
        s.request("PUT", "/api/v1/me/views/A", {"query": "state=assessed"}, as_user="handler")
        views = s.request("GET", "/api/v1/me/views", as_user="handler").json()
        self.assertEqual([(v["name"], v["query"]) for v in views],
                         [("A", "state=assessed"), ("My overdue", "overdue=true")])
        self.assertEqual(s.request("GET", "/api/v1/me/views", as_user="handler2").json(), [])
        self.assertEqual(s.request("DELETE", "/api/v1/me/views/A", as_user="handler2").status, 404)
        self.assertEqual(s.request("DELETE", "/api/v1/me/views/A", as_user="handler").status, 204)
        views = s.request("GET", "/api/v1/me/views", as_user="handler").json()
        self.assertEqual([v["name"] for v in views], ["My overdue"])
        r = s.request("PUT", "/api/v1/me/views/B", {"query": "x" * 2001}, as_user="handler")
        self.assertEqual(r.status, 422)
        r = s.request("PUT", "/api/v1/me/views/B", {"query": "a", "extra": 1}, as_user="handler")
        self.assertEqual(r.status, 422)

    def test_dashboard_counts_what_was_created(self):
        s = self.s
        before = s.request("GET", "/api/v1/dashboard", as_user="manager").json()
        refs = [s.create_complaint()["reference"] for _ in range(3)]
        s.request("POST", f"/api/v1/complaints/{refs[0]}/assess",
                  {"category": "banking/current-account/fees", "severity": 2}, as_user="handler")
        s.request("POST", f"/api/v1/complaints/{refs[1]}/close_early",
                  {"summary": "Sorted.", "cause": "people"}, as_user="handler")
        d = s.request("GET", "/api/v1/dashboard", as_user="manager").json()

        def by(key, name, doc):
            return {x[key]: x["count"] for x in doc[name]}

        self.assertEqual(by("state", "open_by_state", d).get("assessed", 0)
                         - by("state", "open_by_state", before).get("assessed", 0), 1)
        self.assertNotIn("closed", by("state", "open_by_state", d))
        ages = by("bucket", "open_by_age", d)
        self.assertEqual(sum(ages.values()) - sum(by("bucket", "open_by_age", before).values()), 2)
        self.assertEqual(sum(by("week", "volume_by_week", d).values())
                         - sum(by("week", "volume_by_week", before).values()), 3)
        self.assertEqual(by("category", "by_category", d).get("banking/current-account/fees", 0)
                         - by("category", "by_category", before).get(
                             "banking/current-account/fees", 0), 1)
        # every complaint is acknowledged at receipt, on time
        ack = d["on_time"]["acknowledge"]
        self.assertEqual(ack["met"] - before["on_time"]["acknowledge"]["met"], 3)
        self.assertEqual(ack["rate"], 1.0)
        self.assertEqual(s.request("GET", "/api/v1/dashboard", as_user="admin").status, 403)
        self.assertEqual(s.request("GET", "/api/v1/dashboard?weeks=abc",
                                   as_user="manager").status, 422)

    def test_roles_list_permissions_from_the_route_table(self):
        roles = {r["role"]: r for r in
                 self.s.request("GET", "/api/v1/roles", as_user="admin").json()}
        self.assertEqual(set(roles), {"handler", "investigator", "manager", "auditor", "admin"})
        self.assertIn("POST /api/v1/users", roles["admin"]["permissions"])
        self.assertNotIn("POST /api/v1/users", roles["handler"]["permissions"])
        self.assertIn("POST /api/v1/complaints/{reference}/assess", roles["handler"]["permissions"])
        self.assertNotIn("POST /api/v1/complaints/{reference}/assess",
                         roles["auditor"]["permissions"])

    def test_my_actions_follow_role_and_state(self):
        s = self.s
        ref = s.create_complaint()["reference"]
        got = s.request("GET", f"/api/v1/complaints/{ref}", as_user="handler").json()
        self.assertIn("assess", got["my_actions"])
        self.assertNotIn("reopen", got["my_actions"])
        self.assertEqual(got["my_operations"], ["assign", "escalate", "note", "attachment"])
        inv = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertIn("note", inv["my_operations"])
        audit = s.request("GET", f"/api/v1/complaints/{ref}", as_user="auditor").json()
        self.assertEqual(audit["my_actions"], [])
        self.assertEqual(audit["my_operations"], [])
        s.request("POST", f"/api/v1/complaints/{ref}/close_early",
                  {"summary": "Sorted.", "cause": "people"}, as_user="handler")
        mgr = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()["my_actions"]
        self.assertIn("reopen", mgr)
        self.assertNotIn("assess", mgr)

    def test_queue_sort_orders_and_their_errors(self):
        s = self.s
        refs = [s.create_complaint()["reference"] for _ in range(3)]

        def listed(query):
            r = s.request("GET", "/api/v1/complaints?limit=200&" + query, as_user="manager")
            self.assertEqual(r.status, 200, r.body)
            return [i["reference"] for i in r.json()["items"] if i["reference"] in refs]

        self.assertEqual(listed("sort=oldest"), refs)
        self.assertEqual(listed("sort=newest"), refs[::-1])
        self.assertEqual(listed(""), refs[::-1])
        due = s.request("GET", "/api/v1/complaints?limit=200&sort=due", as_user="manager").json()
        dues = [i["due"] for i in due["items"]]
        self.assertEqual(dues, sorted(dues))
        self.assertTrue(all(d is not None for d in dues))
        # pages of one follow that order only
        r = s.request("GET", "/api/v1/complaints?limit=1&sort=oldest", as_user="manager").json()
        cursor = r["next_cursor"]
        ok = s.request("GET", f"/api/v1/complaints?limit=1&sort=oldest&cursor={cursor}",
                       as_user="manager")
        self.assertEqual(ok.status, 200)
        for query in ("sort=sideways", "sort=due&q=fee", f"sort=priority&cursor={cursor}"):
            r = s.request("GET", "/api/v1/complaints?" + query, as_user="manager")
            self.assertEqual(r.status, 422, query)
            self.assertEqual(r.json()["errors"][0]["pointer"].split("/")[2],
                             "cursor" if "cursor" in query else "sort")

    def test_survey_once_after_closure_and_validated(self):
        s = self.s
        c = s.create_complaint()
        ref, secret = c["reference"], c["secret"]
        body = {"secret": secret, "handling": 2, "outcome": 4, "comment": "Slow but fair."}
        self.assertEqual(s.request("POST", f"/api/v1/status/{ref}/survey", body).status, 409)
        s.request("POST", f"/api/v1/complaints/{ref}/close_early",
                  {"summary": "Sorted.", "cause": "people"}, as_user="handler")
        r = s.request("POST", f"/api/v1/status/{ref}/survey", {**body, "handling": 0})
        self.assertEqual(r.status, 422)
        r = s.request("POST", f"/api/v1/status/{ref}/survey", {**body, "secret": "wrong"})
        self.assertEqual(r.status, 404)
        r = s.request("POST", f"/api/v1/status/{ref}/survey", body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["survey"]["handling"], 2)
        self.assertFalse(r.json()["survey_open"])
        self.assertEqual(s.request("POST", f"/api/v1/status/{ref}/survey", body).status, 409)
        events = s.request("GET", f"/api/v1/complaints/{ref}/events",
                           as_user="manager").json()["items"]
        self.assertEqual([e["action"] for e in events].count("survey_answered"), 1)


if __name__ == "__main__":
    unittest.main()
