"""Roles: role x route matrix, the read-only auditor, admins kept out of complaint content, and
object-level scope (assignment, investigation, persons named)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server, run_cli  # noqa: E402

FEES = "banking/current-account/fees"
ROLES = ["anon", "admin", "manager", "handler", "handler2", "investigator", "auditor"]
PII = {"name": "Evander Achterberg-Roles", "email": "evander@roles.example",
       "description": "Roles-tier complaint: my card was blocked abroad without notice."}


class RolesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        cls.s.add_standard_users()
        cls.s.start()
        s = cls.s

        def new(**extra):
            body = {"complainant": {"name": PII["name"], "email": PII["email"]},
                    "description": PII["description"]}
            body.update(extra)
            return s.create_complaint(**body)

        def act(ref, action, body, user="manager"):
            r = s.request("POST", f"/api/v1/complaints/{ref}/{action}", body, as_user=user)
            assert r.status == 200, (action, r.status, r.body)

        # A: assigned to handler, investigated by investigator.
        cls.a = new()["reference"]
        act(cls.a, "assess", {"category": FEES, "severity": 2, "assignee": "handler"}, "handler")
        act(cls.a, "investigate", {"investigator": "investigator"}, "handler")
        # B: unassigned, names handler2 (in capitals, among other words).
        cls.b = new(persons_named="Mr Smith, HANDLER2 (branch)")["reference"]
        # C: assessed, names the investigator.
        cls.c = new(persons_named="investigator")["reference"]
        act(cls.c, "assess", {"category": FEES, "severity": 2})
        # D: unassigned, no investigator.
        cls.d = new()["reference"]
        for name in ROLES[1:]:
            s.login(name)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def req(self, role, method, path, body=None):
        if role == "anon":
            return self.s.request(method, path, body)
        return self.s.request(method, path, body, as_user=role)

    def version(self, ref):
        f = self.s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        return f["version"], len(f["timeline"]), len(f["notes"]), f["state"], f["priority"]

    def matrix(self, method, path, expected, body=None):
        for role, status in zip(ROLES, expected):
            if status is None:
                continue
            r = self.req(role, method, path, body(role) if callable(body) else body)
            allowed = status if isinstance(status, tuple) else (status,)
            self.assertIn(r.status, allowed, f"{role} {method} {path}: {r.body[:200]}")
            if r.status >= 400:
                self.assertEqual(r.header("Content-Type"), "application/problem+json")

    # --- role x route ----------------------------------------------------------------------------
    def test_read_routes(self):
        a = self.a
        #                                      anon admin mgr  h    h2   inv  aud
        self.matrix("GET", "/api/v1/complaints", [401, 403, 200, 200, 200, 200, 200])
        for path in (f"/api/v1/complaints/{a}", f"/api/v1/complaints/{a}/events",
                     f"/api/v1/complaints/{a}/notes"):
            self.matrix("GET", path, [401, (403, 404), 200, 200, 404, 200, 200])
        self.matrix("GET", f"/api/v1/complaints/{a}/attachments/1",
                    [401, (403, 404), 404, 404, 404, 404, 404])
        self.matrix("GET", "/api/v1/users", [401, 200, 200, 403, 403, 403, 403])
        self.matrix("GET", "/api/v1/audit/verify", [401, 200, 200, 403, 403, 403, 200])
        self.matrix("GET", "/api/v1/policies", [401, 200, 200, 200, 200, 200, 200])
        self.matrix("GET", "/api/v1/policies/iso-default", [401, 200, 200, 200, 200, 200, 200])
        self.matrix("GET", "/api/v1/me", [401, 200, 200, 200, 200, 200, 200])
        self.matrix("GET", "/healthz", [200, 200, 200, 200, 200, 200, 200])

    def test_write_routes(self):
        a = self.a
        before = self.version(a)
        body = {"complainant": {"name": PII["name"], "email": PII["email"]},
                "description": PII["description"]}
        self.matrix("POST", "/api/v1/complaints", [201, 403, 201, 201, 201, 403, 403], body)
        self.matrix("POST", "/api/v1/users", [401, 201, 403, 403, 403, 403, 403],
                    lambda role: {"username": f"made-by-{role}", "role": "handler",
                                  "password": "a-long-enough-password"})
        self.matrix("POST", "/api/v1/users/handler2/enable", [401, 200, 403, 403, 403, 403, 403])
        self.matrix("POST", f"/api/v1/complaints/{a}/notes",
                    [401, 403, 201, 201, 404, 201, 403], {"body": "Role matrix note."})
        self.matrix("POST", f"/api/v1/complaints/{a}/escalate",
                    [401, 403, 200, 200, 404, 200, 403], {"reason": "Role matrix."})
        self.matrix("POST", f"/api/v1/complaints/{a}/assign",
                    [401, 403, 200, 200, 404, 403, 403], {"assignee": "handler"})
        after = self.version(a)
        # notes by manager, handler, investigator; escalations by the same three; two assigns
        self.assertEqual(after[2], before[2] + 3)
        self.assertEqual(after[3], before[3])

    def test_role_routes_deny_before_reading_input(self):
        # A forbidden role gets 403 whatever the body: no validation detail leaks.
        r = self.req("auditor", "POST", f"/api/v1/complaints/{self.a}/close", {"bogus": 1})
        self.assertEqual(r.status, 403, r.body)
        self.assertNotIn("errors", r.json())
        r = self.req("anon", "POST", f"/api/v1/complaints/{self.a}/close", {"bogus": 1})
        self.assertEqual(r.status, 401, r.body)

    def test_auditor_is_read_only_on_every_post_route(self):
        routes = [line.split(" ", 1) for line in run_cli("routes", check=True).stdout.splitlines()
                  if line.strip()]
        # Every write route except the public complainant ones and the caller's own session,
        # password and saved views (preferences, not records).
        writes = [(m, p) for m, p in routes if m != "GET" and p.startswith("/api/v1/")
                  and p not in ("/api/v1/session", "/api/v1/me/password", "/api/v1/me/views/{name}")
                  and not p.startswith("/api/v1/status/")
                  # Mail intake answers to the mailgate's own token, never to a session.
                  and p != "/api/v1/mail/inbound"
                  # The internal audit's own records (samples, findings) are the auditor's work
                  # (iso10002.md §8: sampling); they never change a complaint.
                  and not p.startswith("/api/v1/audits")]
        self.assertGreater(len(writes), 20)
        before = self.version(self.a)
        for method, pattern in writes:
            path = (pattern.replace("{reference}", self.a).replace("{username}", "handler2")
                    .replace("{id}", "1"))
            r = self.s.request(method, path, {}, as_user="auditor")
            self.assertEqual(r.status, 403, f"auditor {method} {path}: {r.body[:200]}")
        self.assertEqual(self.version(self.a), before)
        # A staff session does not open mail intake (here switched off: 404, nothing written).
        r = self.s.request("POST", "/api/v1/mail/inbound", raw=b"From: a@b.example\r\n\r\nx",
                           content_type="message/rfc822", as_user="auditor")
        self.assertEqual(r.status, 404, r.body)

    def test_admin_never_reads_complaint_content(self):
        for path in ("/api/v1/complaints", f"/api/v1/complaints/{self.a}",
                     f"/api/v1/complaints/{self.a}/events", f"/api/v1/complaints/{self.a}/notes",
                     "/api/v1/complaints?q=blocked"):
            r = self.req("admin", "GET", path)
            self.assertIn(r.status, (403, 404), f"{path}: {r.body[:200]}")
            self.assertNotIn(PII["name"].encode(), r.body)
            self.assertNotIn(PII["description"].encode(), r.body)

    def test_a_bad_token_is_401_even_on_public_routes(self):
        hdr = {"Authorization": "Bearer forged-token-value"}
        for method, path in (("GET", "/api/v1/status/CMP-2026-000001-Y?secret=x"),
                             ("POST", "/api/v1/complaints")):
            r = self.s.request(method, path, {} if method == "POST" else None, headers=hdr)
            self.assertEqual(r.status, 401, f"{path}: {r.body}")

    # --- object level --------------------------------------------------------------------------
    def test_other_handler_cannot_see_or_act_on_an_assigned_complaint(self):
        a = self.a
        before = self.version(a)
        unknown = self.req("handler2", "GET", "/api/v1/complaints/CMP-2026-999999-" + "Z")
        for method, path, body in (
                ("GET", f"/api/v1/complaints/{a}", None),
                ("GET", f"/api/v1/complaints/{a}/events", None),
                ("GET", f"/api/v1/complaints/{a}/notes", None),
                ("POST", f"/api/v1/complaints/{a}/notes", {"body": "x"}),
                ("POST", f"/api/v1/complaints/{a}/escalate", {"reason": "x"}),
                ("POST", f"/api/v1/complaints/{a}/assign", {"assignee": "handler2"}),
                ("POST", f"/api/v1/complaints/{a}/propose_decision",
                 {"outcome": "upheld", "reasons": "x"}),
                ("POST", f"/api/v1/complaints/{a}/withdraw", {"reason": "x"}),
                ("POST", f"/api/v1/complaints/{a}/refer", {"body": "Ombudsman"})):
            r = self.req("handler2", method, path, body)
            self.assertEqual(r.status, 404, f"handler2 {method} {path}: {r.body[:200]}")
            # Indistinguishable from a reference that does not exist.
            self.assertEqual(r.json()["detail"], unknown.json()["detail"])
            self.assertEqual(r.json()["type"], unknown.json()["type"])
        listed = self.req("handler2", "GET", "/api/v1/complaints?limit=200").json()["items"]
        self.assertNotIn(a, [i["reference"] for i in listed])
        self.assertEqual(self.version(a), before)
        # The assigned handler and the manager do see it.
        self.assertEqual(self.req("handler", "GET", f"/api/v1/complaints/{a}").status, 200)

    def test_investigator_sees_only_own_investigations(self):
        self.assertEqual(self.req("investigator", "GET", f"/api/v1/complaints/{self.a}").status,
                         200)
        self.assertEqual(self.req("investigator", "GET", f"/api/v1/complaints/{self.d}").status,
                         404)
        listed = [i["reference"] for i in
                  self.req("investigator", "GET", "/api/v1/complaints?limit=200").json()["items"]]
        self.assertIn(self.a, listed)
        self.assertNotIn(self.d, listed)
        self.assertNotIn(self.b, listed)

    def test_person_named_cannot_see_or_be_assigned(self):
        b = self.b
        self.assertEqual(self.req("handler2", "GET", f"/api/v1/complaints/{b}").status, 404)
        listed = [i["reference"] for i in
                  self.req("handler2", "GET", "/api/v1/complaints?limit=200").json()["items"]]
        self.assertNotIn(b, listed)
        self.assertEqual(self.req("handler", "GET", f"/api/v1/complaints/{b}").status, 200)
        before = self.version(b)
        r = self.req("manager", "POST", f"/api/v1/complaints/{b}/assign", {"assignee": "handler2"})
        self.assertEqual(r.status, 409, r.body)
        p = r.json()
        self.assertTrue(p["type"].endswith("/conflict-of-interest"), p)
        self.assertIn("/assignee", [e["pointer"] for e in p["errors"]])
        r = self.req("manager", "POST", f"/api/v1/complaints/{b}/assess",
                     {"category": FEES, "severity": 2, "assignee": "handler2"})
        self.assertEqual(r.status, 409, r.body)
        self.assertTrue(r.json()["type"].endswith("/conflict-of-interest"))
        self.assertEqual(self.version(b), before)

    def test_list_hides_every_complaint_the_file_route_hides(self):
        # BUG: the list's persons-named exclusion (store NormalizePersonsNamed/PersonNeedle:
        # tokens split on space , ; / ( ) only) disagrees with the file routes' NamesPerson
        # (word boundary). With persons_named "handler2's manager", "Handler2:" or
        # "\"handler2\"", GET /api/v1/complaints/{reference} as handler2 is 404 but
        # GET /api/v1/complaints as handler2 still lists the complaint (reference, state,
        # product, category). Expected: not listed.
        leaked = []
        for named in ("handler2's manager", "Handler2:", '"handler2"', "x;handler2;y"):
            ref = self.s.create_complaint(persons_named=named)["reference"]
            hidden = self.req("handler2", "GET", f"/api/v1/complaints/{ref}").status == 404
            listed = ref in [i["reference"] for i in self.req(
                "handler2", "GET", "/api/v1/complaints?limit=200").json()["items"]]
            if hidden and listed:
                leaked.append(named)
        self.assertEqual(leaked, [])

    def test_person_named_cannot_investigate(self):
        c = self.c
        before = self.version(c)
        r = self.req("manager", "POST", f"/api/v1/complaints/{c}/investigate",
                     {"investigator": "investigator"})
        self.assertEqual(r.status, 409, r.body)
        self.assertTrue(r.json()["type"].endswith("/conflict-of-interest"))
        self.assertIn("/investigator", [e["pointer"] for e in r.json()["errors"]])
        self.assertEqual(self.version(c), before)
        self.assertEqual(self.req("investigator", "GET", f"/api/v1/complaints/{c}").status, 404)

    def test_zz_no_personal_data_in_the_server_log(self):
        log = self.s.read_log()
        for value in PII.values():
            self.assertNotIn(value, log)


if __name__ == "__main__":
    unittest.main()
