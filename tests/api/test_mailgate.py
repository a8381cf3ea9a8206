"""Mail intake: `redress mailgate` fed real-world-shaped messages (tests/mail/corpus, with the
expected outcome of each in expected.json) and, where the shared data is beside the checkout,
the 104 real messages of ../shared/data/mail. Checks the exit codes (sysexits), what became a
complaint or joined one, the acknowledgement in the sender's thread, that automatic mail
never creates a complaint or a reply, and that nothing personal reaches the log."""
import email
import email.policy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from mail_harness import SmtpSink, TOKEN, text_of, write_mail_config  # noqa: E402
from redress_harness import BIN, SOURCE_DIR, Server  # noqa: E402

CORPUS = os.path.join(SOURCE_DIR, "tests", "mail", "corpus")
SHARED_MAIL = os.path.join(SOURCE_DIR, "..", "shared", "data", "mail")
EX_OK, EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 0, 64, 65, 66, 75


class MailgateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="redress-gate-")
        cls.sink = SmtpSink(os.path.join(cls.dir, "sink")).start()
        cls.config = write_mail_config(cls.dir, smtp_port=cls.sink.port)
        cls.token_file = os.path.join(cls.dir, "mailgate.token")
        cls.s = Server(extra_args=["--mail", cls.config])
        cls.s.add_user("manager")
        cls.s.start()
        with open(os.path.join(CORPUS, "expected.json")) as f:
            cls.expected = json.load(f)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.s.cleanup()
        finally:
            cls.sink.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)

    def gate(self, data, *args, token_file=None, url=None):
        cmd = [BIN, "mailgate", "--url", url or f"http://127.0.0.1:{self.s.port}",
               "--token-file", token_file or self.token_file, *args]
        return subprocess.run(cmd, input=data, capture_output=True, timeout=60)

    def complaint(self, ref):
        r = self.s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager")
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def count(self):
        total, cursor = 0, ""
        while True:
            query = f"&cursor={cursor}" if cursor else ""
            r = self.s.request("GET", f"/api/v1/complaints?limit=200{query}", as_user="manager")
            page = r.json()
            total += len(page["items"])
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return total

    def corpus_bytes(self, name, reference="CMP-2026-000001-A"):
        with open(os.path.join(CORPUS, name), "rb") as f:
            return f.read().replace(b"{{REFERENCE}}", reference.encode())

    # --- the corpus, one file at a time ----------------------------------------------------
    def test_corpus_outcomes(self):
        for name, exp in sorted(self.expected.items()):
            with self.subTest(name=name):
                self.check_corpus_file(name, exp)

    def check_corpus_file(self, name, exp):
        outcome = exp["outcome"]
        ref = None
        if outcome == "reply":
            # A complaint from the same sender for the message to answer.
            sender = exp.get("from") or "someone@example.org"
            ref = self.s.create_complaint(
                complainant={"name": "Reply Target", "email": sender})["reference"]
        data = self.corpus_bytes(name, ref or "CMP-2026-000001-A")
        before = self.count()
        p = self.gate(data)
        out = p.stdout.decode()
        err = p.stderr.decode()
        if outcome == "refused":
            self.assertEqual(p.returncode, EX_DATAERR, out + err)
            self.assertIn("refused", err)
            self.assertEqual(self.count(), before)
            return
        self.assertEqual(p.returncode, EX_OK, out + err)
        if outcome == "ignored":
            self.assertTrue(out.startswith("ignored"), out)
            self.assertEqual(self.count(), before)
            return
        if outcome == "reply":
            self.assertTrue(out.startswith("added " + ref), out)
            self.assertEqual(self.count(), before)
            r = self.s.request("GET", f"/api/v1/complaints/{ref}/notes", as_user="manager")
            notes = r.json()["items"]
            self.assertEqual(len(notes), 1)
            for snippet in exp.get("text_contains") or []:
                self.assertIn(snippet, notes[0]["body"])
            return
        self.assertEqual(outcome, "new")
        word, ref = out.split()[:2]
        self.assertEqual(word, "created", out)
        self.assertEqual(self.count(), before + 1)
        c = self.complaint(ref)
        self.assertEqual(c["channel"], "email")
        if exp.get("from"):
            self.assertEqual(c["complainant"]["email"].lower(), exp["from"].lower())
        for snippet in exp.get("text_contains") or []:
            self.assertIn(snippet, c["description"])
        if exp.get("subject_contains"):
            self.assertIn(exp["subject_contains"], c["description"])
        r = self.s.request("GET", f"/api/v1/complaints/{ref}", as_user="manager")
        attachments = r.json().get("attachments", [])
        self.assertEqual(len(attachments), exp.get("attachments_allowed", 0), attachments)
        # Acknowledged in the sender's own thread.
        msg_id = email.message_from_bytes(data, policy=email.policy.compat32)["Message-ID"]
        msgs = self.sink.wait_for(
            lambda ms: any(ref in (m["Subject"] or "") for _, m in ms), timeout=20)
        [ack] = [m for _, m in msgs if ref in (m["Subject"] or "")]
        if msg_id:
            self.assertEqual(ack["In-Reply-To"], msg_id.strip())
        # The same message again (an MTA retry) is taken once.
        again = self.gate(data)
        self.assertEqual(again.returncode, EX_OK)
        self.assertTrue(again.stdout.decode().startswith("duplicate " + ref), again.stdout)
        self.assertEqual(self.count(), before + 1)

    # --- exit codes --------------------------------------------------------------------------
    def test_exit_codes_follow_sysexits(self):
        plain = (b"From: Exit Codes <exit@example.org>\r\nSubject: Fees\r\n"
                 b"Message-ID: <exit-codes-1@example.org>\r\n\r\nCharged twice.\r\n")
        self.assertEqual(self.gate(b"").returncode, EX_NOINPUT)
        big = plain + b"x" * 5000
        p = self.gate(big, "--max-bytes", "2048")
        self.assertEqual(p.returncode, EX_DATAERR)
        wrong = os.path.join(self.dir, "wrong.token")
        with open(wrong, "w") as f:
            f.write("not-the-right-token-at-all\n")
        self.assertEqual(self.gate(plain, token_file=wrong).returncode, EX_TEMPFAIL)
        self.assertEqual(self.gate(plain, token_file=os.path.join(self.dir, "missing")).returncode,
                         EX_TEMPFAIL)
        # Nobody listening: the MTA must keep the message and retry.
        self.assertEqual(self.gate(plain, url="http://127.0.0.1:1").returncode, EX_TEMPFAIL)
        p = subprocess.run([BIN, "mailgate", "--bogus"], input=plain, capture_output=True)
        self.assertEqual(p.returncode, EX_USAGE)
        before = self.count()
        self.assertEqual(self.gate(plain).returncode, EX_OK)
        self.assertEqual(self.count(), before + 1)

    def test_log_holds_no_personal_data(self):
        data = (b"From: Loggable Person <log.person@private.example>\r\n"
                b"Subject: Secret subject 4711\r\nMessage-ID: <log-1@private.example>\r\n\r\n"
                b"My account 12345678 was charged twice.\r\n")
        self.assertEqual(self.gate(data).returncode, EX_OK)
        self.assertEqual(self.gate(b"Subject: no sender\r\n\r\nbody 8812\r\n").returncode,
                         EX_DATAERR)
        time.sleep(0.5)
        log = self.s.read_log()
        for secret in ("log.person@private.example", "Loggable", "Secret subject", "12345678",
                       "8812"):
            self.assertNotIn(secret, log)

    # --- the shared real-world messages ----------------------------------------------------
    def test_real_world_messages_never_crash_or_half_create(self):
        files = sorted(f for f in glob.glob(os.path.join(SHARED_MAIL, "**", "*"), recursive=True)
                       if os.path.isfile(f) and not os.path.basename(f).startswith(("LICENSE", "."))
                       and not f.endswith(".md"))
        if not files:
            self.skipTest("../shared/data/mail is not beside the checkout")
        created = 0
        before = self.count()
        for path in files:
            rel = os.path.relpath(path, SHARED_MAIL)
            with self.subTest(file=rel):
                with open(path, "rb") as f:
                    data = f.read()
                p = self.gate(data)
                out = p.stdout.decode()
                # Taken, or refused with a reason (65; 66 for an empty file).
                self.assertIn(p.returncode, (EX_OK, EX_DATAERR, EX_NOINPUT),
                              rel + ": " + p.stderr.decode())
                if rel.startswith("multipart_report_emails"):
                    self.assertTrue(out.startswith("ignored"), rel + ": " + out)
                if p.returncode == EX_OK and out.startswith("created"):
                    created += 1
                    c = self.complaint(out.split()[1])
                    self.assertEqual(c["channel"], "email")
                    self.assertTrue(c["description"])
        r = self.s.request("GET", "/healthz")
        self.assertEqual(r.status, 200)
        # Only "created" outcomes added complaints (no half ones); some did.
        self.assertGreater(created, 20)
        self.assertLessEqual(self.count() - before, created)


if __name__ == "__main__":
    unittest.main()
