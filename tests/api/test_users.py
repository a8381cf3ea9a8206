"""Users (admin), policies, metrics, health and the audit chain endpoint."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import PASSWORDS, Server, run_cli  # noqa: E402

PII = {"name": "Fenella Marchetti-Users", "email": "fenella@users.example",
       "description": "Users-tier complaint: the app logged me out mid-transfer."}


class UsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        for name in ("admin", "manager", "handler", "auditor"):
            cls.s.add_user(name)
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def create_user(self, name, role="handler", password="initial-password-1", user="admin"):
        return self.s.request("POST", "/api/v1/users",
                              {"username": name, "role": role, "password": password,
                               "display_name": "Test " + name}, as_user=user)

    def login_raw(self, name, password):
        return self.s.request("POST", "/api/v1/session", {"username": name, "password": password})

    def test_admin_creates_a_user_who_can_log_in(self):
        r = self.create_user("newhandler", "handler")
        self.assertEqual(r.status, 201, r.body)
        u = r.json()
        self.assertEqual((u["username"], u["role"], u["disabled"], u["must_change_password"]),
                         ("newhandler", "handler", False, True))
        self.assertNotIn("password_hash", u)
        self.assertNotIn("password", u)
        self.assertEqual(r.header("Location"), "/api/v1/users/newhandler")
        login = self.login_raw("newhandler", "initial-password-1")
        self.assertEqual(login.status, 200, login.body)
        self.assertTrue(login.json()["must_change_password"])
        self.assertEqual(login.json()["role"], "handler")
        for viewer in ("admin", "manager"):
            users = self.s.request("GET", "/api/v1/users", as_user=viewer)
            self.assertEqual(users.status, 200, users.body)
            names = [x["username"] for x in users.json()["items"]]
            self.assertIn("newhandler", names)
            self.assertNotIn(b"password_hash", users.body)
            self.assertNotIn(b"$argon2", users.body)
        events = self.s.request("GET", "/api/v1/audit/verify", as_user="auditor")
        self.assertEqual(events.status, 200, events.body)
        self.assertTrue(events.json()["ok"], events.body)

    def test_only_admins_create_users(self):
        for user in ("manager", "handler", "auditor"):
            r = self.create_user(f"by-{user}", user=user)
            self.assertEqual(r.status, 403, f"{user}: {r.body}")
        r = self.s.request("POST", "/api/v1/users",
                           {"username": "anon-made", "role": "admin", "password": "x" * 20})
        self.assertEqual(r.status, 401, r.body)
        names = [x["username"] for x in
                 self.s.request("GET", "/api/v1/users", as_user="admin").json()["items"]]
        self.assertFalse([n for n in names if n.startswith("by-") or n == "anon-made"], names)

    def test_user_validation(self):
        cases = [({"role": "handler", "password": "long-enough-pw"}, "/username"),
                 ({"username": "bad name!", "role": "handler", "password": "long-enough-pw"},
                  "/username"),
                 ({"username": "x" * 65, "role": "handler", "password": "long-enough-pw"},
                  "/username"),
                 ({"username": "short-pw", "role": "handler", "password": "short"}, "/password"),
                 ({"username": "no-pw", "role": "handler"}, "/password"),
                 ({"username": "bad-role", "role": "superuser", "password": "long-enough-pw"},
                  "/role"),
                 ({"username": "extra", "role": "handler", "password": "long-enough-pw",
                   "is_root": True}, "/is_root")]
        for body, pointer in cases:
            r = self.s.request("POST", "/api/v1/users", body, as_user="admin")
            self.assertEqual(r.status, 422, f"{body}: {r.body}")
            self.assertIn(pointer, [e["pointer"] for e in r.json()["errors"]], body)
            self.assertNotIn(b"long-enough-pw", r.body)
        r = self.create_user("handler")  # exists already
        self.assertEqual(r.status, 409, r.body)

    def test_disable_stops_the_users_token_and_enable_restores_login(self):
        self.assertEqual(self.create_user("leaver", "investigator").status, 201)
        token = self.login_raw("leaver", "initial-password-1").json()["token"]
        auth = {"Authorization": "Bearer " + token}
        self.assertEqual(self.s.request("GET", "/api/v1/me", headers=auth).status, 200)
        for user in ("manager", "handler"):
            r = self.s.request("POST", "/api/v1/users/leaver/disable", as_user=user)
            self.assertEqual(r.status, 403, r.body)
        self.assertEqual(self.s.request("GET", "/api/v1/me", headers=auth).status, 200)
        r = self.s.request("POST", "/api/v1/users/leaver/disable", as_user="admin")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["disabled"])
        for path in ("/api/v1/me", "/api/v1/complaints", "/api/v1/policies"):
            r = self.s.request("GET", path, headers=auth)
            self.assertEqual(r.status, 401, f"{path}: {r.body}")
        self.assertEqual(self.login_raw("leaver", "initial-password-1").status, 401)
        r = self.s.request("POST", "/api/v1/users/leaver/enable", as_user="admin")
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()["disabled"])
        self.assertEqual(self.s.request("GET", "/api/v1/me", headers=auth).status, 401)
        self.assertEqual(self.login_raw("leaver", "initial-password-1").status, 200)

    def test_disable_edge_cases(self):
        r = self.s.request("POST", "/api/v1/users/admin/disable", as_user="admin")
        self.assertEqual(r.status, 409, r.body)
        self.assertEqual(self.s.request("GET", "/api/v1/me", as_user="admin").status, 200)
        r = self.s.request("POST", "/api/v1/users/nobody-by-that-name/disable", as_user="admin")
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")

    def test_change_own_password(self):
        self.assertEqual(self.create_user("changer", "handler").status, 201)
        token = self.login_raw("changer", "initial-password-1").json()["token"]
        auth = {"Authorization": "Bearer " + token}
        r = self.s.request("POST", "/api/v1/me/password",
                           {"current_password": "wrong-password-00", "new_password": "x" * 14},
                           headers=auth)
        self.assertEqual(r.status, 422, r.body)
        r = self.s.request("POST", "/api/v1/me/password",
                           {"current_password": "initial-password-1",
                            "new_password": "changed-password-2"}, headers=auth)
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()["must_change_password"])
        self.assertEqual(self.login_raw("changer", "initial-password-1").status, 401)
        self.assertEqual(self.login_raw("changer", "changed-password-2").status, 200)

    # --- policies, metrics, health, audit ----------------------------------------------------
    def test_policies(self):
        r = self.s.request("GET", "/api/v1/policies", as_user="handler")
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        ids = {p["id"] for p in j["items"]}
        self.assertTrue({"iso-default", "fca-disp", "cfpb", "asic-rg271"} <= ids, ids)
        self.assertEqual(j["default"], "iso-default")
        for p in j["items"]:
            self.assertTrue(p["clocks"], p["id"])
            self.assertTrue(p["time_zone"], p["id"])
        fca = self.s.request("GET", "/api/v1/policies/fca-disp", as_user="auditor")
        self.assertEqual(fca.status, 200, fca.body)
        self.assertEqual(fca.json()["id"], "fca-disp")
        self.assertTrue(fca.json()["ombudsman"]["name"])
        self.assertEqual(self.s.request("GET", "/api/v1/policies/no-such-policy",
                                        as_user="handler").status, 404)
        self.assertEqual(self.s.request("GET", "/api/v1/policies").status, 401)

    def test_metrics(self):
        c = self.s.create_complaint(complainant={"name": PII["name"], "email": PII["email"]},
                                    description=PII["description"])
        self.s.request("GET", f"/api/v1/status/{c['reference']}?secret={c['secret']}")
        self.s.request("GET", f"/api/v1/complaints/{c['reference']}", as_user="manager")
        self.s.request("GET", "/api/v1/no-such-route-xyz")
        r = self.s.request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        text = r.body.decode()
        self.assertIn("# TYPE redress_http_requests_total counter", text)
        self.assertRegex(text, r'redress_http_requests_total\{method="POST",'
                               r'route="/api/v1/complaints",status="201"\} [1-9]')
        self.assertIn('route="/api/v1/status/{reference}"', text)
        m = re.search(r'^redress_complaints\{state="acknowledged"\} (\d+)$', text, re.M)
        self.assertIsNotNone(m, text)
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertIn("redress_http_request_duration_seconds_bucket", text)
        # Labels are route patterns: no references, secrets, paths or personal data.
        self.assertNotIn(c["reference"], text)
        self.assertNotIn(c["secret"], text)
        self.assertNotIn("no-such-route-xyz", text)
        for value in PII.values():
            self.assertNotIn(value, text)

    def store_metrics(self):
        text = self.s.request("GET", "/metrics").body.decode()
        out = {}
        for name in ("redress_store_batches_total", "redress_store_writes_total",
                     "redress_store_batch_duration_seconds_count",
                     "redress_store_flush_duration_seconds_count"):
            m = re.search(r"^%s (\d+)$" % name, text, re.M)
            self.assertIsNotNone(m, f"{name} not in /metrics:\n{text}")
            out[name] = int(m.group(1))
        self.assertIn('redress_store_flush_duration_seconds_bucket{le="0.01"}', text)
        self.assertRegex(text, r'(?m)^redress_store_checkpoint_duration_seconds_count'
                               r'\{by="checkpointer"\} \d+$')
        self.assertRegex(text, r'(?m)^redress_store_checkpoint_duration_seconds_count'
                               r'\{by="writer"\} \d+$')
        m = re.search(r"^redress_store_wal_bytes (\d+)$", text, re.M)
        self.assertIsNotNone(m, text)
        out["wal_bytes"] = int(m.group(1))
        return out

    def test_metrics_count_the_writers_commits_and_flushes(self):
        """Each create is one write, committed in a batch of the writer whose WAL flush is
        timed: the store's series count them."""
        before = self.store_metrics()
        for _ in range(3):
            self.s.create_complaint()
        after = self.store_metrics()
        self.assertGreaterEqual(after["redress_store_writes_total"],
                                before["redress_store_writes_total"] + 3, (before, after))
        self.assertGreater(after["redress_store_batches_total"],
                           before["redress_store_batches_total"], (before, after))
        self.assertEqual(after["redress_store_batch_duration_seconds_count"],
                         after["redress_store_batches_total"])
        self.assertGreaterEqual(after["redress_store_flush_duration_seconds_count"],
                                before["redress_store_flush_duration_seconds_count"] + 1)
        self.assertGreater(after["wal_bytes"], 0)  # the creates' commits are in the WAL

    def test_healthz(self):
        r = self.s.request("GET", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"status": "ok"})
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")

    def test_audit_verify_roles(self):
        for user in ("auditor", "admin", "manager"):
            r = self.s.request("GET", "/api/v1/audit/verify", as_user=user)
            self.assertEqual(r.status, 200, f"{user}: {r.body}")
            self.assertTrue(r.json()["ok"])
            self.assertGreater(r.json()["events"], 0)
        self.assertEqual(self.s.request("GET", "/api/v1/audit/verify", as_user="handler").status,
                         403)

    def test_cli_user_add_while_serving_keeps_the_chain(self):
        # The CLI is a second writer to the same store: the service must pick up the events it
        # appended instead of forking the hash chain.
        self.s.create_complaint()
        run_cli("user", "add", "--name", "latecomer", "--role", "handler", "--password-stdin",
                stdin="latecomer-password-1\n", data_dir=self.s.data_dir, check=True)
        self.s.create_complaint()
        self.assertEqual(self.s.login("latecomer", "latecomer-password-1") is not None, True)
        r = self.s.request("GET", "/api/v1/audit/verify", as_user="auditor")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["ok"], r.body)

    def test_zz_no_personal_data_or_passwords_in_the_server_log(self):
        log = self.s.read_log()
        for value in list(PII.values()) + list(PASSWORDS.values()) + [
                "initial-password-1", "changed-password-2"]:
            self.assertNotIn(value, log)


if __name__ == "__main__":
    unittest.main()
