"""Intake: POST /api/v1/complaints, public and staff-logged, and Idempotency-Key."""
import datetime
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402

REFERENCE = re.compile(r"^CMP-\d{4}-\d{6}-[A-Z]$")
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTVWXYZ"
# Personal data used only in this module; none of it may reach the server log.
PII = {
    "name": "Aurelia Quenby-Intake",
    "email": "aurelia.quenby@intake.example",
    "phone": "+44 20 7946 0321",
    "description": "My intake-fee complaint about a duplicated standing order debit.",
}


def parse_instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_letter(year, sequence):
    digits = f"{year}{sequence:06d}"
    total = sum(int(d) * w for d, w in zip(reversed(digits), range(2, 100)))
    return CHECK_ALPHABET[total % 23]


def count_complaints(s):
    """Every complaint in the store, via the manager's unscoped list."""
    refs, cursor = [], None
    while True:
        path = "/api/v1/complaints?limit=200" + (f"&cursor={cursor}" if cursor else "")
        r = s.request("GET", path, as_user="manager")
        assert r.status == 200, (r.status, r.body)
        page = r.json()
        refs += [i["reference"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return len(refs)


def complaint_body(**overrides):
    body = {"complainant": {"name": PII["name"], "email": PII["email"], "phone": PII["phone"]},
            "product": "Current account", "description": PII["description"],
            "remedy_requested": "Refund the second debit."}
    body.update(overrides)
    return body


class IntakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        for name in ("manager", "handler", "investigator", "auditor", "admin"):
            cls.s.add_user(name)
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def assertProblem(self, r, status, pointer=None):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        p = r.json()
        self.assertEqual(p["status"], status)
        for key in ("type", "title", "detail", "instance"):
            self.assertIn(key, p)
        if pointer is not None:
            self.assertIn(pointer, [e["pointer"] for e in p.get("errors", [])], p)
        return p

    def test_create_returns_201_with_reference_secret_and_due_dates(self):
        before = parse_instant(datetime.datetime.now(datetime.timezone.utc).isoformat())
        r = self.s.request("POST", "/api/v1/complaints", complaint_body())
        self.assertEqual(r.status, 201, r.body)
        c = r.json()
        self.assertRegex(c["reference"], REFERENCE)
        self.assertGreaterEqual(len(c["secret"]), 26)
        self.assertRegex(c["secret"], r"^[0-9A-HJKMNP-TV-Z]+$")  # Crockford base32
        self.assertEqual(c["state"], "acknowledged")
        self.assertEqual(c["channel"], "api")
        ack, respond = parse_instant(c["acknowledge_by"]), parse_instant(c["respond_by"])
        received = parse_instant(c["received_at"])
        self.assertLessEqual(abs((received - before).total_seconds()), 60)
        self.assertGreater(ack, received)
        self.assertGreater(respond, ack)
        # iso-default: final response in 20 business days, i.e. at least 4 calendar weeks
        self.assertGreaterEqual((respond - received).days, 25)
        self.assertEqual(r.header("Location"), "/api/v1/status/" + c["reference"])
        self.assertEqual(c["status_url"], "/api/v1/status/" + c["reference"])
        self.assertNotIn("secret_hash", c)
        # The record agrees, and the secret opens the status page.
        st = self.s.request("GET", f"{c['status_url']}?secret={c['secret']}")
        self.assertEqual(st.status, 200, st.body)
        self.assertEqual(st.json()["state"], "acknowledged")

    def test_reference_check_letter_and_sequence(self):
        a = self.s.create_complaint(**complaint_body())
        b = self.s.create_complaint(**complaint_body())
        refs = []
        for c in (a, b):
            _, year, seq, letter = c["reference"].split("-")
            self.assertEqual(letter, check_letter(int(year), int(seq)), c["reference"])
            refs.append(int(seq))
        self.assertGreater(refs[1], refs[0])
        self.assertNotEqual(a["secret"], b["secret"])

    def test_timeline_records_received_and_acknowledged_at_once(self):
        c = self.s.create_complaint(**complaint_body())
        r = self.s.request("GET", f"/api/v1/complaints/{c['reference']}/events", as_user="manager")
        self.assertEqual(r.status, 200, r.body)
        actions = [(e["action"], e["actor"]) for e in r.json()["items"]]
        self.assertEqual(actions[:2], [("received", "complainant"), ("acknowledge", "system")])

    def test_idempotency_key_replays_the_same_complaint(self):
        body = complaint_body(description="Idempotentwidget charge applied without consent.")
        n0 = count_complaints(self.s)
        key = {"Idempotency-Key": "intake-key-1"}
        first = self.s.request("POST", "/api/v1/complaints", body, headers=key)
        second = self.s.request("POST", "/api/v1/complaints", body, headers=key)
        self.assertEqual(first.status, 201, first.body)
        self.assertEqual(second.status, 201, second.body)
        self.assertEqual(first.json()["reference"], second.json()["reference"])
        self.assertEqual(first.json()["secret"], second.json()["secret"])
        self.assertEqual(second.header("Location"), first.header("Location"))
        self.assertEqual(count_complaints(self.s), n0 + 1)
        r = self.s.request("GET", "/api/v1/complaints?q=idempotentwidget", as_user="manager")
        self.assertEqual(len(r.json()["items"]), 1, r.body)

    def test_idempotency_key_with_a_different_body_is_422(self):
        key = {"Idempotency-Key": "intake-key-2"}
        first = self.s.request("POST", "/api/v1/complaints", complaint_body(), headers=key)
        self.assertEqual(first.status, 201, first.body)
        n0 = count_complaints(self.s)
        other = complaint_body(description="A different complaint text entirely.")
        r = self.s.request("POST", "/api/v1/complaints", other, headers=key)
        p = self.assertProblem(r, 422)
        self.assertTrue(p["type"].endswith("/idempotency-key-reused"), p)
        self.assertEqual(count_complaints(self.s), n0)

    def test_idempotency_key_too_long_is_422(self):
        n0 = count_complaints(self.s)
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(),
                           headers={"Idempotency-Key": "k" * 201})
        self.assertProblem(r, 422)
        self.assertEqual(count_complaints(self.s), n0)

    def test_public_caller_cannot_set_received_at_or_staff_channel(self):
        n0 = count_complaints(self.s)
        r = self.s.request("POST", "/api/v1/complaints",
                           complaint_body(received_at="2020-01-01T00:00:00Z"))
        self.assertProblem(r, 422, "/received_at")
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(channel="phone"))
        self.assertProblem(r, 422, "/channel")
        self.assertEqual(count_complaints(self.s), n0)

    def test_public_web_channel_accepted(self):
        c = self.s.create_complaint(**complaint_body(channel="web"))
        self.assertEqual(c["channel"], "web")

    def test_staff_logs_a_phone_complaint_received_earlier(self):
        received = (datetime.datetime.now(datetime.timezone.utc)
                    - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = self.s.request("POST", "/api/v1/complaints",
                           complaint_body(channel="phone", received_at=received),
                           as_user="handler")
        self.assertEqual(r.status, 201, r.body)
        c = r.json()
        self.assertEqual(c["channel"], "phone")
        self.assertEqual(parse_instant(c["received_at"]), parse_instant(received))
        f = self.s.request("GET", f"/api/v1/complaints/{c['reference']}", as_user="manager").json()
        self.assertEqual(f["received_by"], "handler")
        self.assertEqual(f["channel"], "phone")
        self.assertGreater(parse_instant(f["logged_at"]), parse_instant(f["received_at"]))

    def test_staff_received_at_in_the_future_is_422(self):
        future = (datetime.datetime.now(datetime.timezone.utc)
                  + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(received_at=future),
                           as_user="handler")
        self.assertProblem(r, 422, "/received_at")

    def test_roles_that_may_not_log_complaints(self):
        n0 = count_complaints(self.s)
        for role in ("investigator", "auditor", "admin"):
            r = self.s.request("POST", "/api/v1/complaints", complaint_body(), as_user=role)
            self.assertProblem(r, 403)
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(), as_user="manager")
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(count_complaints(self.s), n0 + 1)

    def test_a_bad_token_on_the_public_route_is_401(self):
        n0 = count_complaints(self.s)
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(),
                           headers={"Authorization": "Bearer not-a-real-token"})
        self.assertProblem(r, 401)
        self.assertEqual(count_complaints(self.s), n0)

    def test_optional_fields_are_stored(self):
        r = self.s.request("POST", "/api/v1/complaints", complaint_body(
            representative={"name": "Rep Resentative", "relationship": "daughter"},
            contact_preference={"channel": "email", "language": "cy"},
            subject_type="service", department="Payments", event_date="2024-05-01",
            accessibility_needs="Large print", flags=["hardship"]))
        self.assertEqual(r.status, 201, r.body)
        f = self.s.request("GET", f"/api/v1/complaints/{r.json()['reference']}",
                           as_user="manager").json()
        self.assertEqual(f["subject"]["type"], "service")
        self.assertEqual(f["subject"]["department"], "Payments")
        self.assertEqual(f["event_date"], "2024-05-01")
        self.assertEqual(f["representative"]["relationship"], "daughter")
        self.assertEqual(f["contact_preference"]["language"], "cy")
        self.assertEqual(f["assessment"]["flags"], ["hardship"])

    def test_zz_no_personal_data_in_the_server_log(self):
        log = self.s.read_log()
        for value in PII.values():
            self.assertNotIn(value, log)
        self.assertNotIn("Quenby", log)


if __name__ == "__main__":
    unittest.main()
