"""The complainant's side: status by reference + secret, add information, withdraw."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402

PII = {
    "name": "Benedikt Okonkwo-Status",
    "email": "b.okonkwo@status.example",
    "description": "Status-page complaint: my branch refused a cash deposit twice.",
    "information": "Here is the receipt number 88412 that you asked me for.",
}
INTERNAL_NOTE = "INTERNAL: suspect branch staff error, check CCTV before replying."
INTERNAL_FINDING = "Investigator private finding 7731."
STAFF_ONLY_KEYS = {"assignee", "investigator", "notes", "pending_question", "complainant",
                   "assessment", "secret", "secret_hash", "timeline", "events", "decision_internal",
                   "received_by", "persons_named", "subject", "version"}


class ComplainantTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        for name in ("manager", "handler", "investigator"):
            cls.s.add_user(name)
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def new(self, **overrides):
        body = {"complainant": {"name": PII["name"], "email": PII["email"]},
                "description": PII["description"]}
        body.update(overrides)
        return self.s.create_complaint(**body)

    def status(self, ref, secret):
        return self.s.request("GET", f"/api/v1/status/{ref}?secret={secret}")

    def staff(self, method, path, body=None, user="manager"):
        r = self.s.request(method, path, body, as_user=user)
        self.assertLess(r.status, 300, f"{method} {path}: {r.status} {r.body}")
        return r.json() if r.body else None

    def to_awaiting(self, ref):
        self.staff("POST", f"/api/v1/complaints/{ref}/assess",
                   {"category": "banking/current-account/fees", "severity": 2,
                    "assignee": "handler"})
        self.staff("POST", f"/api/v1/complaints/{ref}/investigate",
                   {"investigator": "investigator"})
        self.staff("POST", f"/api/v1/complaints/{ref}/notes", {"body": INTERNAL_FINDING},
                   user="investigator")
        return self.staff("POST", f"/api/v1/complaints/{ref}/request_information",
                          {"question": "Please send the deposit receipt number."},
                          user="investigator")

    # --- status ----------------------------------------------------------------------------
    def test_status_by_reference_and_secret(self):
        c = self.new()
        r = self.status(c["reference"], c["secret"])
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["reference"], c["reference"])
        self.assertEqual(j["state"], "acknowledged")
        self.assertTrue(j["status"])
        self.assertEqual(j["messages"], [])
        self.assertIn("withdraw", j["actions"])
        self.assertIn("add_information", j["actions"])
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(STAFF_ONLY_KEYS & set(j), set())

    def test_reference_is_case_insensitive_and_hyphens_optional(self):
        c = self.new()
        ref = c["reference"]
        for variant in (ref.lower(), ref.replace("-", ""), ref.replace("-", "").lower()):
            r = self.status(variant, c["secret"])
            self.assertEqual(r.status, 200, f"{variant}: {r.body}")
            self.assertEqual(r.json()["reference"], ref)

    def test_wrong_secret_looks_like_an_unknown_reference(self):
        c = self.new()
        ref = c["reference"]
        wrong = self.status(ref, "0" * len(c["secret"]))
        missing = self.s.request("GET", f"/api/v1/status/{ref}")
        # A well-formed reference (valid check letter) that was never issued.
        unknown_ref = "CMP-2026-999999-" + "ABCDEFGHJKLMNPQRSTVWXYZ"[
            sum(int(d) * w for d, w in zip(reversed("2026999999"), range(2, 100))) % 23]
        unknown = self.status(unknown_ref, c["secret"])
        garbage = self.status("not-a-reference", c["secret"])
        bodies = []
        for r in (wrong, missing, unknown, garbage):
            self.assertEqual(r.status, 404, r.body)
            self.assertEqual(r.header("Content-Type"), "application/problem+json")
            p = r.json()
            bodies.append((sorted(p), p["type"], p["title"], p["status"], p["detail"]))
        self.assertEqual(len(set(map(repr, bodies))), 1, bodies)
        for r in (wrong, unknown):
            self.assertNotIn(PII["name"].encode(), r.body)

    def test_too_many_wrong_secrets_are_rate_limited(self):
        c = self.new()
        ref = c["reference"]
        for _ in range(20):
            self.assertEqual(self.status(ref, "WRONG").status, 404)
        r = self.status(ref, "WRONG")
        self.assertEqual(r.status, 429, r.body)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        self.assertIsNotNone(r.header("Retry-After"))

    def test_rate_limit_cannot_be_sidestepped_by_spelling_the_reference_differently(self):
        # BUG: Api::StatusAttemptAllowed/StatusAttemptFailed key the failure counter on the raw
        # {reference} path segment, not the parsed reference, so after 20 failures on
        # CMP-YYYY-NNNNNN-C the lower-case or hyphen-less spellings (128 spellings per
        # reference) each get a fresh 20 attempts: expected 429, got 404.
        c = self.new()
        ref = c["reference"]
        for _ in range(21):
            self.status(ref, "WRONG")
        self.assertEqual(self.status(ref, "WRONG").status, 429)
        self.assertEqual(self.status(ref.lower(), "WRONG").status, 429)
        self.assertEqual(self.status(ref.replace("-", ""), "WRONG").status, 429)

    def test_internal_notes_never_reach_the_complainant(self):
        c = self.new()
        ref = c["reference"]
        self.to_awaiting(ref)
        self.staff("POST", f"/api/v1/complaints/{ref}/notes", {"body": INTERNAL_NOTE})
        self.staff("POST", f"/api/v1/complaints/{ref}/notes",
                   {"body": INTERNAL_NOTE + " (explicit)", "visibility": "internal"})
        msg = "We have received your receipt request and will reply within 5 days."
        self.staff("POST", f"/api/v1/complaints/{ref}/notes",
                   {"body": msg, "visibility": "complainant"})
        # Visibilities beyond internal/complainant are refused, so nothing can leak through them.
        for vis in ("assignee", "investigator", "public"):
            r = self.s.request("POST", f"/api/v1/complaints/{ref}/notes",
                               {"body": "x", "visibility": vis}, as_user="manager")
            self.assertEqual(r.status, 422, r.body)
            self.assertIn("/visibility", [e["pointer"] for e in r.json()["errors"]])
        r = self.status(ref, c["secret"])
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual([m["body"] for m in j["messages"]], [msg])
        self.assertEqual(j["messages"][0]["from"], "organisation")
        self.assertEqual(j["question"], "Please send the deposit receipt number.")
        self.assertNotIn(b"INTERNAL", r.body)
        self.assertNotIn(INTERNAL_FINDING.encode(), r.body)
        self.assertNotIn(b'"investigator"', r.body)
        self.assertNotIn(b'"handler"', r.body)
        self.assertEqual(STAFF_ONLY_KEYS & set(j), set())
        # Staff still see all of them.
        notes = self.staff("GET", f"/api/v1/complaints/{ref}/notes")["items"]
        self.assertEqual(sorted(n["visibility"] for n in notes),
                         ["complainant", "internal", "internal", "internal"])

    # --- add information ---------------------------------------------------------------------
    def test_add_information_keeps_state_and_shows_as_message(self):
        c = self.new()
        ref = c["reference"]
        r = self.s.request("POST", f"/api/v1/status/{ref}/information",
                           {"secret": c["secret"], "information": PII["information"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["state"], "acknowledged")
        j = self.status(ref, c["secret"]).json()
        self.assertEqual([(m["from"], m["body"]) for m in j["messages"]],
                         [("you", PII["information"])])
        events = self.staff("GET", f"/api/v1/complaints/{ref}/events")["items"]
        self.assertEqual((events[-1]["action"], events[-1]["actor"]),
                         ("information_added", "complainant"))

    def test_add_information_when_awaiting_resumes_the_investigation(self):
        c = self.new()
        ref = c["reference"]
        self.assertEqual(self.to_awaiting(ref)["state"], "awaiting_complainant")
        self.assertEqual(self.status(ref, c["secret"]).json()["state"], "awaiting_complainant")
        r = self.s.request("POST", f"/api/v1/status/{ref.lower()}/information",
                           {"secret": c["secret"], "information": PII["information"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["state"], "under_investigation")
        self.assertIsNone(r.json()["question"])
        f = self.staff("GET", f"/api/v1/complaints/{ref}")
        self.assertEqual(f["state"], "under_investigation")
        self.assertEqual(f["pending_question"], "")
        actions = [(e["action"], e["actor"]) for e in f["timeline"]]
        self.assertIn(("information_added", "complainant"), actions)
        self.assertIn(("provide_information", "complainant"), actions)

    def test_add_information_validation_and_wrong_secret(self):
        c = self.new()
        ref = c["reference"]
        before = self.staff("GET", f"/api/v1/complaints/{ref}")
        cases = [
            ({"information": "x"}, 422, "/secret"),
            ({"secret": c["secret"]}, 422, "/information"),
            ({"secret": c["secret"], "information": "   "}, 422, "/information"),
            ({"secret": c["secret"], "information": 7}, 422, "/information"),
            ({"secret": c["secret"], "information": "x", "extra": 1}, 422, "/extra"),
            ({"secret": "WRONG", "information": "x"}, 404, None),
        ]
        for body, status, pointer in cases:
            r = self.s.request("POST", f"/api/v1/status/{ref}/information", body)
            self.assertEqual(r.status, status, f"{body}: {r.body}")
            if pointer:
                self.assertIn(pointer, [e["pointer"] for e in r.json()["errors"]], body)
        after = self.staff("GET", f"/api/v1/complaints/{ref}")
        self.assertEqual(len(after["timeline"]), len(before["timeline"]))
        self.assertEqual(after["notes"], [])

    # --- withdraw ----------------------------------------------------------------------------
    def test_withdraw(self):
        c = self.new()
        ref = c["reference"]
        r = self.s.request("POST", f"/api/v1/status/{ref}/withdraw",
                           {"secret": "WRONG", "reason": "sorted"})
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(self.status(ref, c["secret"]).json()["state"], "acknowledged")
        r = self.s.request("POST", f"/api/v1/status/{ref}/withdraw",
                           {"secret": c["secret"], "reason": "The branch sorted it out."})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["state"], "withdrawn")
        self.assertIsNotNone(j["closed_at"])
        self.assertEqual(j["actions"], [])
        f = self.staff("GET", f"/api/v1/complaints/{ref}")
        self.assertEqual(f["state"], "withdrawn")
        self.assertEqual(f["closure"]["reason"], "withdrawn")
        last = f["timeline"][-1]
        self.assertEqual((last["action"], last["actor"]), ("withdraw", "complainant"))
        n = len(f["timeline"])
        # Closed to further complainant changes.
        r = self.s.request("POST", f"/api/v1/status/{ref}/withdraw", {"secret": c["secret"]})
        self.assertEqual(r.status, 409, r.body)
        r = self.s.request("POST", f"/api/v1/status/{ref}/information",
                           {"secret": c["secret"], "information": "more"})
        self.assertEqual(r.status, 409, r.body)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        self.assertEqual(len(self.staff("GET", f"/api/v1/complaints/{ref}")["timeline"]), n)

    def test_withdraw_without_reason_is_allowed_for_the_complainant(self):
        c = self.new()
        r = self.s.request("POST", f"/api/v1/status/{c['reference']}/withdraw",
                           {"secret": c["secret"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["state"], "withdrawn")

    def test_zz_no_personal_data_in_the_server_log(self):
        log = self.s.read_log()
        for value in list(PII.values()) + [INTERNAL_NOTE, INTERNAL_FINDING]:
            self.assertNotIn(value, log)


if __name__ == "__main__":
    unittest.main()
