"""Outgoing mail against a real SMTP server (aiosmtpd on 127.0.0.1, tests/support/smtp_sink.py):
the acknowledgement arrives with its reference, each step's message, proper MIME, threading
headers, permanent failures on the timeline, and exactly-once delivery when the mail server
stops and comes back while Redress restarts."""
import datetime
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from mail_harness import SmtpSink, free_port, text_of, write_mail_config  # noqa: E402
from redress_harness import Server  # noqa: E402


class MailOutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="redress-mail-")
        cls.sink = SmtpSink(os.path.join(cls.dir, "sink")).start()
        cls.config = write_mail_config(cls.dir, smtp_port=cls.sink.port)
        # FCA DISP: the final response names the Financial Ombudsman Service.
        cls.s = Server(extra_args=["--mail", cls.config, "--default-policy", "fca-disp"])
        for name in ("manager", "handler", "investigator"):
            cls.s.add_user(name)
        cls.s.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.s.cleanup()
        finally:
            cls.sink.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)

    def staff(self, method, path, body=None, user="manager"):
        r = self.s.request(method, path, body, as_user=user)
        self.assertLess(r.status, 300, f"{method} {path}: {r.status} {r.body}")
        return r.json() if r.body else None

    def to(self, address):
        return lambda msgs: [m for rcpt, m in msgs if address in rcpt]

    def wait_to(self, address, count=1, timeout=20):
        msgs = self.sink.wait_for(lambda ms: len(self.to(address)(ms)) >= count, timeout)
        return self.to(address)(msgs)

    def notifications(self, ref):
        return self.staff("GET", f"/api/v1/complaints/{ref}/notifications")["items"]

    def test_acknowledgement_arrives_with_reference_code_and_threading_headers(self):
        c = self.s.create_complaint(complainant={"name": "Zoë Ångström",
                                                 "email": "zoe@customer.example"})
        ref = c["reference"]
        [msg] = self.wait_to("zoe@customer.example")
        self.assertIn(ref, msg["Subject"])
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        parts = [p.get_content_type() for p in msg.iter_parts()]
        self.assertEqual(parts, ["text/plain", "text/html"])
        for p in msg.iter_parts():
            self.assertEqual(p.get_content_charset(), "utf-8")
        text = text_of(msg, "plain")
        html = text_of(msg, "html")
        for body in (text, html):
            self.assertIn(ref, body)
            self.assertIn(c["secret"], body)  # the access code, once
            self.assertIn("Zoë", body)
        self.assertIn("Example Bank", text)
        self.assertIn("https://complaints.bank.example/status?reference=" + ref, text)
        # 8 weeks under FCA DISP: the date of the final response is given.
        self.assertIn(c["respond_by"][:10], text + html)
        self.assertEqual(msg["Message-ID"], f"<n1.{ref}@redress.test>")
        self.assertIn(f"<{ref}@redress.test>", msg["References"])
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertIn("complaints@bank.example", msg["From"])
        # The wire form is 7-bit with lines of at most 998 bytes.
        raw = open(os.path.join(self.sink.directory, self.sink.files()[-1]), "rb").read()
        self.assertTrue(all(b < 0x80 for b in raw))
        self.assertTrue(all(len(line) <= 998 for line in raw.split(b"\r\n")))
        # Staff see it was sent; the access code is not kept once sent.
        deadline = time.time() + 10
        while self.notifications(ref)[0]["state"] != "sent" and time.time() < deadline:
            time.sleep(0.1)
        [n] = self.notifications(ref)
        self.assertEqual((n["kind"], n["state"], n["attempts"]), ("acknowledgement", "sent", 1))
        self.assertEqual(n["message_id"], f"n1.{ref}@redress.test".replace("n1", f"n{n['id']}"))
        events = self.staff("GET", f"/api/v1/complaints/{ref}/events")["items"]
        self.assertIn("notification_sent", [e["action"] for e in events])

    def test_each_step_sends_its_message(self):
        c = self.s.create_complaint(complainant={"name": "Pat Step", "email": "pat@customer.example"})
        ref = c["reference"]
        self.wait_to("pat@customer.example", 1)
        self.staff("POST", f"/api/v1/complaints/{ref}/assess",
                   {"category": "banking/current-account/fees", "severity": 2,
                    "assignee": "handler"})
        self.staff("POST", f"/api/v1/complaints/{ref}/investigate",
                   {"investigator": "investigator"})
        self.staff("POST", f"/api/v1/complaints/{ref}/request_information",
                   {"question": "Which branch did you visit?"}, user="investigator")
        ask = self.wait_to("pat@customer.example", 2)[-1]
        self.assertIn("Which branch did you visit?", text_of(ask, "plain"))
        self.assertEqual(ask["In-Reply-To"], None)
        self.assertIn(f"<{ref}@redress.test>", ask["References"])
        self.staff("POST", f"/api/v1/complaints/{ref}/provide_information",
                   {"information": "High Street."})
        self.staff("POST", f"/api/v1/complaints/{ref}/propose_decision",
                   {"outcome": "partly_upheld", "reasons": "The second fee was an error.",
                    "remedy": {"type": "refund", "amount_minor": 2500, "currency": "GBP"}},
                   user="investigator")
        self.staff("POST", f"/api/v1/complaints/{ref}/communicate_decision", {}, user="handler")
        final = self.wait_to("pat@customer.example", 3)[-1]
        text = text_of(final, "plain")
        self.assertIn("The second fee was an error.", text)
        self.assertIn("25.00 GBP", text)
        self.assertIn("Financial Ombudsman Service", text)
        self.assertIn("6 months", text)
        closed_at = datetime.datetime.now(datetime.timezone.utc)
        self.staff("POST", f"/api/v1/complaints/{ref}/close",
                   {"cause": "process", "acceptance": "rejects"}, user="handler")
        # The survey invitation waits for the policy's survey_delay_days (2) after closure.
        notes = self.notifications(ref)
        self.assertEqual([n["kind"] for n in notes],
                         ["acknowledgement", "information_request", "final_response",
                          "survey_invitation"])
        survey = notes[-1]
        self.assertEqual(survey["state"], "pending")
        due = datetime.datetime.fromisoformat(survey["next_attempt_at"].replace("Z", "+00:00"))
        self.assertAlmostEqual((due - closed_at).total_seconds(), 2 * 86400, delta=120)
        time.sleep(1.5)  # the sender polls every second: it must leave it alone
        self.assertEqual(len(self.to("pat@customer.example")(self.sink.messages())), 3)

    def test_permanent_refusal_is_recorded_on_the_timeline(self):
        c = self.s.create_complaint(complainant={"name": "Nobody", "email": "bounce-me@customer.example"})
        ref = c["reference"]
        deadline = time.time() + 20
        while time.time() < deadline:
            n = self.notifications(ref)[0]
            if n["state"] != "pending":
                break
            time.sleep(0.1)
        self.assertEqual(n["state"], "failed")
        self.assertIn("550", n["last_error"])
        events = self.staff("GET", f"/api/v1/complaints/{ref}/events")["items"]
        failed = [e for e in events if e["action"] == "notification_failed"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["after"]["code"], 550)
        self.assertFalse(self.to("bounce-me@customer.example")(self.sink.messages()))
        # The log names the message, never the address.
        self.assertNotIn("bounce-me@customer.example", self.s.read_log())


class MailServerOutageTest(unittest.TestCase):
    """Mail server down, Redress restarted while messages wait, mail server back: every
    message is delivered, each exactly once."""

    def test_queued_messages_are_delivered_exactly_once(self):
        work = tempfile.mkdtemp(prefix="redress-mail-")
        sink = SmtpSink(os.path.join(work, "sink"), port=free_port())
        config = write_mail_config(work, smtp_port=sink.port)
        s = Server(extra_args=["--mail", config])
        s.add_user("manager")
        s.start()
        try:
            sink.start()
            first = s.create_complaint(complainant={"name": "A", "email": "early@customer.example"})
            sink.wait_for(lambda ms: len(ms) == 1)
            sink.stop()
            refs = [s.create_complaint(complainant={"name": f"P{i}",
                                                    "email": f"p{i}@customer.example"})["reference"]
                    for i in range(6)]

            def waiting():
                out = []
                for ref in refs:
                    r = s.request("GET", f"/api/v1/complaints/{ref}/notifications",
                                  as_user="manager")
                    out += r.json()["items"]
                return out

            # Every message was tried and is waiting for a retry.
            deadline = time.time() + 20
            while time.time() < deadline:
                items = waiting()
                if items and all(n["attempts"] >= 1 for n in items):
                    break
                time.sleep(0.2)
            self.assertTrue(all(n["state"] == "pending" and n["attempts"] >= 1
                                and n["last_error"] for n in items), items)
            # Redress restarts while they wait.
            s.stop()
            s.tokens.clear()
            s.start()
            sink.start()
            msgs = sink.wait_for(lambda ms: len(ms) >= 7, timeout=30)
            time.sleep(3)  # time for any duplicate to show up
            msgs = sink.messages()
            ids = [m["Message-ID"] for _, m in msgs]
            self.assertEqual(len(ids), 7, ids)
            self.assertEqual(len(set(ids)), 7, ids)
            subjects = " ".join(m["Subject"] for _, m in msgs)
            for ref in refs + [first["reference"]]:
                self.assertEqual(len(re.findall(re.escape(ref), subjects)), 1, ref)
            self.assertTrue(all(n["state"] == "sent" for n in waiting()))
        finally:
            try:
                s.cleanup()
            finally:
                sink.stop()
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
