"""After closure (ISO 10002 clause 8.3): the follow-up date on which staff confirm with the
complainant that they are satisfied, the queue of follow-ups due, and the complainant's
opt-out from the satisfaction survey (API, status page and complaint form)."""
import datetime
import os
import re
import sys
import unittest
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402
from test_portal import Browser, VALID, hidden  # noqa: E402


def london_today():
    # The default policy (iso-default) keeps its dates in Europe/London.
    return datetime.datetime.now(ZoneInfo("Europe/London")).date()


class FollowUpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        cls.s.add_standard_users()
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def due_refs(self, as_user="manager"):
        r = self.s.request("GET", "/api/v1/complaints?follow_up_due=true&limit=200",
                           as_user=as_user)
        self.assertEqual(r.status, 200, r.body)
        return [c["reference"] for c in r.json()["items"]]

    def close_early(self, ref, **extra):
        body = {"summary": "Refunded on the call.", "cause": "process", **extra}
        return self.s.request("POST", f"/api/v1/complaints/{ref}/close_early", body,
                              as_user="handler")

    def test_closure_sets_a_follow_up_date_from_the_policy(self):
        s = self.s
        ref = s.create_complaint()["reference"]
        c = s.request("GET", f"/api/v1/complaints/{ref}", as_user="handler").json()
        self.assertNotIn("follow_up", c["my_operations"])
        r = self.close_early(ref)
        self.assertEqual(r.status, 200, r.body)
        closure = r.json()["closure"]
        # iso-default: 14 calendar days, moved to the next business day
        on = datetime.date.fromisoformat(closure["follow_up_on"])
        self.assertGreaterEqual((on - london_today()).days, 14)
        self.assertLessEqual((on - london_today()).days, 18)
        self.assertLess(on.weekday(), 5)
        self.assertIn("follow_up", r.json()["my_operations"])
        self.assertNotIn(ref, self.due_refs())  # not due for two weeks

    def test_follow_up_due_today_is_listed_then_recorded_once(self):
        s = self.s
        ref = s.create_complaint()["reference"]
        today = london_today().isoformat()
        yesterday = (london_today() - datetime.timedelta(days=1)).isoformat()
        r = self.close_early(ref, follow_up_on=yesterday)
        self.assertEqual(r.status, 422, r.body)
        self.assertEqual(r.json()["errors"][0]["pointer"], "/follow_up_on")
        self.assertEqual(self.close_early(ref, follow_up_on="soon").status, 422)
        r = self.close_early(ref, follow_up_on=today)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["closure"]["follow_up_on"], today)
        self.assertIn(ref, self.due_refs())
        self.assertIn(ref, self.due_refs("handler"))
        self.assertEqual(s.request("GET", "/api/v1/complaints?follow_up_due=maybe",
                                   as_user="manager").status, 422)

        path = f"/api/v1/complaints/{ref}/follow-up"
        self.assertEqual(s.request("POST", path, {"note": "no answer"}, as_user="handler").status,
                         422)
        self.assertEqual(s.request("POST", path, {"satisfied": "yes"}, as_user="handler").status,
                         422)
        self.assertEqual(s.request("POST", path, {"satisfied": True}, as_user="auditor").status,
                         403)
        r = s.request("POST", path, {"satisfied": False, "note": "Still unhappy with the fee."},
                      as_user="handler")
        self.assertEqual(r.status, 200, r.body)
        closure = r.json()["closure"]
        self.assertFalse(closure["follow_up_satisfied"])
        self.assertEqual(closure["followed_up_by"], "handler")
        self.assertEqual(closure["follow_up_note"], "Still unhappy with the fee.")
        self.assertNotIn("follow_up", r.json()["my_operations"])
        self.assertNotIn(ref, self.due_refs())
        r = s.request("POST", path, {"satisfied": True}, as_user="handler")
        self.assertEqual(r.status, 409, r.body)
        events = s.request("GET", f"/api/v1/complaints/{ref}/events",
                           as_user="manager").json()["items"]
        self.assertEqual([e["action"] for e in events].count("followed_up"), 1)

    def test_follow_up_of_an_open_complaint_is_refused(self):
        s = self.s
        ref = s.create_complaint()["reference"]
        r = s.request("POST", f"/api/v1/complaints/{ref}/follow-up", {"satisfied": True},
                      as_user="manager")
        self.assertEqual(r.status, 409, r.body)
        r = s.request("POST", "/api/v1/complaints/CMP-2026-999999-X/follow-up",
                      {"satisfied": True}, as_user="manager")
        self.assertIn(r.status, (404, 422))

    def test_survey_opt_out_through_the_api(self):
        s = self.s
        c = s.create_complaint()
        ref, secret = c["reference"], c["secret"]
        path = f"/api/v1/status/{ref}/survey/opt-out"
        self.assertEqual(s.request("POST", path, {"secret": "wrong"}).status, 404)
        self.assertEqual(s.request("POST", path, {}).status, 422)
        r = s.request("POST", path, {"secret": secret})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["survey_opted_out"])
        self.assertEqual(s.request("POST", path, {"secret": secret}).status, 409)
        self.assertEqual(self.close_early(ref).status, 200)
        st = s.request("GET", f"/api/v1/status/{ref}?secret={secret}").json()
        self.assertFalse(st["survey_open"])
        r = s.request("POST", f"/api/v1/status/{ref}/survey",
                      {"secret": secret, "handling": 5, "outcome": 5})
        self.assertEqual(r.status, 409)
        staff = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertIsNotNone(staff["survey"]["opted_out_at"])

    def test_survey_opt_out_on_the_form_and_the_status_page(self):
        s = self.s
        # On the complaint form.
        b = Browser(s)
        body = b.get("/").body.decode()
        self.assertIn('name="survey_opt_out"', body)
        r = b.post("/complaint", {**VALID, "survey_opt_out": "yes", "csrf": hidden(body, "csrf"),
                                  "idempotency_key": hidden(body, "idempotency_key")})
        self.assertEqual(r.status, 201, r.body[:300])
        ref = re.search(r'class="reference">([^<]+)<', r.body.decode()).group(1)
        staff = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertIsNotNone(staff["survey"]["opted_out_at"])
        # On the status page, once closed: the survey offers "do not ask me".
        c = s.create_complaint()
        ref, secret = c["reference"], c["secret"]
        self.assertEqual(self.close_early(ref).status, 200)
        b = Browser(s)
        b.get("/status")
        csrf = b.jar["redress_csrf"]
        page = b.post("/status", {"reference": ref, "secret": secret, "csrf": csrf}).body.decode()
        self.assertIn('action="/status/survey-opt-out"', page)
        r = b.post("/status/survey-opt-out", {"reference": ref, "secret": secret, "csrf": csrf})
        self.assertEqual(r.status, 200, r.body[:300])
        page = r.body.decode()
        self.assertNotIn('class="survey"', page)
        self.assertIn("survey-opted-out", page)
        st = s.request("GET", f"/api/v1/status/{ref}?secret={secret}").json()
        self.assertTrue(st["survey_opted_out"])


if __name__ == "__main__":
    unittest.main()
