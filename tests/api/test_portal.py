"""The public portal and the console's sign-in, over plain HTTP as a browser without JavaScript
sends it: form POSTs (urlencoded and multipart), cookies, CSRF tokens, escaping, languages."""
import html
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402


def cookies_of(response):
    out = {}
    for k, v in response.headers:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            out[name] = rest.split(";", 1)[0]
    return out


def hidden(body, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), body)
    return html.unescape(m.group(1)) if m else None


class Browser:
    """Keeps cookies like a browser and posts forms the way one does."""

    def __init__(self, server):
        self.s = server
        self.jar = {}

    def _headers(self, extra=None):
        h = dict(extra or {})
        if self.jar:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        return h

    def _keep(self, r):
        for k, v in cookies_of(r).items():
            if v == "":
                self.jar.pop(k, None)
            else:
                self.jar[k] = v
        return r

    def get(self, path, headers=None):
        return self._keep(self.s.request("GET", path, headers=self._headers(headers)))

    def post(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields).encode()
        return self._keep(self.s.request("POST", path, raw=body, headers=self._headers(headers),
                                         content_type="application/x-www-form-urlencoded"))

    def post_multipart(self, path, fields, files):
        boundary = "----redressTestBoundary7MA4YWxkTrZu0gW"
        parts = []
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                         .encode() + v.encode() + b"\r\n")
        for name, filename, ctype, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                         + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._keep(self.s.request(
            "POST", path, raw=body, headers=self._headers(),
            content_type=f"multipart/form-data; boundary={boundary}"))


VALID = {
    "complainant.name": "Ada <b>Lovelace</b>",
    "complainant.email": "ada@example.org",
    "product": "Current account",
    "description": "I was charged twice for one transfer & nobody answered.",
    "remedy_requested": "Refund the second charge.",
}


class PortalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        cls.s.add_standard_users()
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def count(self):
        r = self.s.request("GET", "/api/v1/complaints?limit=200", as_user="manager")
        return len(r.json()["items"])

    def form_page(self, b):
        r = b.get("/")
        self.assertEqual(r.status, 200)
        body = r.body.decode()
        return body, hidden(body, "csrf"), hidden(body, "idempotency_key")

    def test_form_page_has_security_headers_and_csrf_cookie(self):
        b = Browser(self.s)
        r = b.get("/complaint")
        self.assertEqual(r.status, 200)
        csp = r.header("Content-Security-Policy")
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        cookie = [v for k, v in r.headers if k.lower() == "set-cookie" and "redress_csrf" in v][0]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        body = r.body.decode()
        self.assertEqual(hidden(body, "csrf"), b.jar["redress_csrf"])
        self.assertNotRegex(body, r"<script(?![^>]*\bsrc=)", "no inline script")
        self.assertNotIn("style=", body)
        for name in ("complainant.name", "complainant.email", "description", "remedy_requested",
                     "product", "attachments"):
            self.assertIn(f'name="{name}"', body)

    def test_plain_post_creates_complaint_and_shows_reference_secret_and_due_date(self):
        b = Browser(self.s)
        _, csrf, key = self.form_page(b)
        before = self.count()
        r = b.post("/complaint", {**VALID, "csrf": csrf, "idempotency_key": key})
        self.assertEqual(r.status, 201, r.body[:500])
        body = r.body.decode()
        ref = re.search(r'class="reference">([^<]+)<', body).group(1)
        secret = re.search(r'class="secret">([^<]+)<', body).group(1)
        self.assertRegex(body, r'class="respond-by">\d{4}-\d\d-\d\d<')
        self.assertEqual(self.count(), before + 1)
        # the same form sent twice (a reload) gives the same complaint, not a second one
        r2 = b.post("/complaint", {**VALID, "csrf": csrf, "idempotency_key": key})
        self.assertEqual(r2.status, 201)
        self.assertIn(ref, r2.body.decode())
        self.assertEqual(self.count(), before + 1)
        # the staff view has the fields as typed, channel web, received from the public
        c = self.s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertEqual(c["complainant"]["name"], "Ada <b>Lovelace</b>")
        self.assertEqual(c["channel"], "web")
        self.assertEqual(c["contact_preference"]["language"], "en")
        # the status page opens with reference + secret and escapes what the person typed
        r = b.post("/status", {"reference": ref, "secret": secret, "csrf": csrf})
        self.assertEqual(r.status, 200, r.body[:300])
        page = r.body.decode()
        self.assertIn('data-state="acknowledged"', page)
        self.assertIn("add information".lower(), page.lower())

    def test_invalid_form_shows_messages_next_to_fields_and_writes_nothing(self):
        b = Browser(self.s)
        _, csrf, key = self.form_page(b)
        before = self.count()
        r = b.post("/complaint", {"complainant.name": "", "complainant.email": "not-an-email",
                                  "description": "", "event_date": "2999-01-01",
                                  "csrf": csrf, "idempotency_key": key})
        self.assertEqual(r.status, 422)
        body = r.body.decode()
        self.assertIn('id="error-summary"', body)
        for field_id in ("complainant-name", "complainant-email", "description", "event-date"):
            m = re.search(r'<p class="field-error" id="%s-error">([^<]*)</p>' % field_id, body)
            self.assertTrue(m and m.group(1).strip(), f"no message for {field_id}")
        # what was typed is kept (escaped)
        self.assertIn('value="not-an-email"', body)
        self.assertEqual(self.count(), before)

    def test_missing_or_wrong_csrf_is_refused_and_writes_nothing(self):
        b = Browser(self.s)
        _, csrf, key = self.form_page(b)
        before = self.count()
        r = b.post("/complaint", {**VALID, "csrf": "x" * len(csrf), "idempotency_key": key})
        self.assertEqual(r.status, 403)
        r = b.post("/complaint", {**VALID, "csrf": csrf, "idempotency_key": key},
                   headers={"Origin": "https://evil.example"})
        self.assertEqual(r.status, 403)
        fresh = Browser(self.s)  # no cookie at all
        r = fresh.post("/complaint", {**VALID, "csrf": csrf})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.count(), before)

    def test_multipart_with_attachment_and_a_refused_attachment(self):
        b = Browser(self.s)
        _, csrf, key = self.form_page(b)
        before = self.count()
        r = b.post_multipart("/complaint", {**VALID, "csrf": csrf, "idempotency_key": key},
                             [("attachments", "evil.pdf", "application/pdf", b"MZ\x90\x00")])
        self.assertEqual(r.status, 422)
        self.assertIn('id="attachments-error">', r.body.decode())
        self.assertEqual(self.count(), before)
        r = b.post_multipart("/complaint", {**VALID, "csrf": csrf, "idempotency_key": key},
                             [("attachments", "statement.pdf", "application/pdf",
                               b"%PDF-1.4 statement"),
                              ("attachments", "", "application/octet-stream", b"")])
        self.assertEqual(r.status, 201, r.body[:500])
        ref = re.search(r'class="reference">([^<]+)<', r.body.decode()).group(1)
        c = self.s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertEqual([a["filename"] for a in c["attachments"]], ["statement.pdf"])

    def test_language_switch_and_cookie(self):
        b = Browser(self.s)
        r = b.get("/?lang=fr")
        body = r.body.decode()
        self.assertIn('<html lang="fr">', body)
        self.assertIn("Faire une réclamation", body)
        self.assertEqual(b.jar.get("redress_lang"), "fr")
        r = b.get("/status")
        self.assertIn('<html lang="fr">', r.body.decode())
        r = Browser(self.s).get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        self.assertIn('<html lang="fr">', r.body.decode())
        r = Browser(self.s).get("/?lang=xx")
        self.assertIn('<html lang="en">', r.body.decode())

    def test_status_wrong_secret_looks_unknown(self):
        b = Browser(self.s)
        created = self.s.create_complaint()
        b.get("/status")
        r = b.post("/status", {"reference": created["reference"], "secret": "wrong",
                               "csrf": b.jar["redress_csrf"]})
        self.assertEqual(r.status, 404)
        r2 = b.post("/status", {"reference": "CMP-2020-999999-X", "secret": "wrong",
                                "csrf": b.jar["redress_csrf"]})
        self.assertEqual(r2.status, 404)
        self.assertEqual(r.body.decode().count("alert"), r2.body.decode().count("alert"))

    def test_add_information_withdraw_and_survey_after_closure(self):
        b = Browser(self.s)
        created = self.s.create_complaint()
        ref, secret = created["reference"], created["secret"]
        b.get("/status")
        csrf = b.jar["redress_csrf"]
        r = b.post("/status/information", {"reference": ref, "secret": secret, "csrf": csrf,
                                           "information": "Here is the <i>receipt</i> number."})
        self.assertEqual(r.status, 200, r.body[:300])
        page = r.body.decode()
        self.assertIn("Here is the &lt;i&gt;receipt&lt;/i&gt; number.", page)
        self.assertNotIn('class="survey"', page)
        # close it as staff, then the survey shows and can be answered once
        s = self.s
        r = s.request("POST", f"/api/v1/complaints/{ref}/close_early",
                      {"summary": "Refunded at once.", "cause": "process"}, as_user="handler")
        self.assertEqual(r.status, 200, r.body)
        st = s.request("GET", f"/api/v1/status/{ref}?secret={secret}").json()
        self.assertEqual(st["state"], "closed", st)
        self.assertTrue(st["survey_open"])
        r = b.post("/status", {"reference": ref, "secret": secret, "csrf": csrf})
        self.assertIn('class="survey"', r.body.decode())
        r = b.post("/status/survey", {"reference": ref, "secret": secret, "csrf": csrf,
                                      "handling": "4", "outcome": "5", "comment": "Quick."})
        self.assertEqual(r.status, 200, r.body[:300])
        page = r.body.decode()
        self.assertNotIn('class="survey"', page)
        self.assertIn("survey-thanks", page)
        c = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertEqual((c["survey"]["handling"], c["survey"]["outcome"]), (4, 5))
        r = b.post("/status/survey", {"reference": ref, "secret": secret, "csrf": csrf,
                                      "handling": "1", "outcome": "1"})
        self.assertEqual(r.status, 409)
        c = s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager").json()
        self.assertEqual(c["survey"]["handling"], 4)
        # withdraw another
        other = s.create_complaint()
        r = b.post("/status/withdraw", {"reference": other["reference"],
                                        "secret": other["secret"], "csrf": csrf,
                                        "reason": "Sorted out."})
        self.assertEqual(r.status, 200)
        self.assertIn('data-state="withdrawn"', r.body.decode())

    def test_console_login_cookie_csrf_and_logout(self):
        b = Browser(self.s)
        r = b.get("/console")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/console/login")
        r = b.get("/console/login")
        csrf = hidden(r.body.decode(), "csrf")
        r = b.post("/console/login", {"username": "handler", "password": "wrong-password",
                                      "csrf": csrf})
        self.assertEqual(r.status, 401)
        self.assertNotIn("redress_session", b.jar)
        r = b.post("/console/login", {"username": "handler", "password": "handler-password-123",
                                      "csrf": csrf, "next": "#/complaints/CMP-2026-000001-Y"})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertEqual(r.header("Location"), "/console#/complaints/CMP-2026-000001-Y")
        cookie = [v for k, v in r.headers if k.lower() == "set-cookie"
                  and v.startswith("redress_session=")][0]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertNotIn("Secure", cookie)  # plain HTTP here; --cookie-secure adds it
        # the API accepts the cookie for reads; /me gives the CSRF token for changes
        me = b.get("/api/v1/me")
        self.assertEqual(me.status, 200)
        token = me.json()["csrf_token"]
        created = self.s.create_complaint()
        ref = created["reference"]
        note = {"body": "cookie note"}
        r = self.s.request("POST", f"/api/v1/complaints/{ref}/notes", note,
                           headers=b._headers())
        self.assertEqual(r.status, 403, "a cookie write without the CSRF token")
        r = self.s.request("POST", f"/api/v1/complaints/{ref}/notes", note,
                           headers=b._headers({"X-CSRF-Token": token,
                                               "Origin": "http://evil.example"}))
        self.assertEqual(r.status, 403, "a cross-origin cookie write")
        r = self.s.request("POST", f"/api/v1/complaints/{ref}/notes", note,
                           headers=b._headers({"X-CSRF-Token": token}))
        self.assertEqual(r.status, 201, r.body)
        c = self.s.request("GET", f"/api/v1/complaints/{ref}/notes", as_user="manager").json()
        self.assertEqual([n["body"] for n in c["items"]], ["cookie note"])
        self.assertIn("note", b.get(f"/api/v1/complaints/{ref}").json()["my_operations"])
        # logout needs the session's token; then the cookie no longer works
        r = b.post("/console/logout", {"csrf": "wrong"})
        self.assertEqual(r.status, 403)
        r = b.post("/console/logout", {"csrf": token})
        self.assertEqual(r.status, 303)
        self.assertEqual(b.get("/console").status, 303)

    def test_login_returns_only_to_console_routes(self):
        b = Browser(self.s)
        csrf = hidden(b.get("/console/login").body.decode(), "csrf")
        r = b.post("/console/login", {"username": "handler", "password": "handler-password-123",
                                      "csrf": csrf, "next": "//evil.example/"})
        self.assertEqual(r.header("Location"), "/console")
        r = b.post("/console/login", {"username": "handler", "password": "handler-password-123",
                                      "csrf": csrf, "next": "#/x\r\nSet-Cookie: a=b"})
        self.assertEqual(r.header("Location"), "/console")

    def test_unknown_page_and_asset_are_404_pages(self):
        r = self.s.request("GET", "/no-such-page")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertEqual(self.s.request("GET", "/assets/none.js").status, 404)


if __name__ == "__main__":
    unittest.main()
