"""Attachments: upload, download, type sniffing, size limit, scope."""
import hashlib
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402

FEES = "banking/current-account/fees"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MIB = 1024 * 1024


def pdf(size):
    head = b"%PDF-1.4\n% redress test document\n"
    body = bytes((i * 7 + 3) % 256 for i in range(max(0, size - len(head) - 6)))
    return head + body + b"\n%%EOF"


def declared_upload(port, path, token, length, send=b""):
    """Sends an upload header declaring `length` bytes (and optionally part of the body);
    returns the status line's code."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/pdf\r\nContent-Length: {length}\r\n\r\n").encode()
        try:
            sock.sendall(head + send)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        while b"\r\n" not in buf:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
        return int(buf.split(b" ")[1]) if buf else None
    finally:
        sock.close()


class AttachmentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        for name in ("manager", "handler", "handler2", "auditor", "admin"):
            cls.s.add_user(name)
        cls.s.start()
        cls.ref = cls.s.create_complaint()["reference"]
        r = cls.s.request("POST", f"/api/v1/complaints/{cls.ref}/assess",
                          {"category": FEES, "severity": 2, "assignee": "handler"},
                          as_user="handler")
        assert r.status == 200, r.body
        cls.other = cls.s.create_complaint()["reference"]

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def upload(self, data, ctype, user="handler", ref=None, filename="doc.pdf"):
        path = f"/api/v1/complaints/{ref or self.ref}/attachments"
        if filename is not None:
            path += f"?filename={filename}"
        return self.s.request("POST", path, raw=data, content_type=ctype, as_user=user)

    def attachments(self, ref=None):
        f = self.s.request("GET", f"/api/v1/complaints/{ref or self.ref}", as_user="manager").json()
        return f["attachments"]

    def stored_file(self, data):
        sha = hashlib.sha256(data).hexdigest()
        return os.path.join(self.s.data_dir, "attachments", sha[:2], sha)

    def test_pdf_upload_then_download_same_bytes(self):
        data = pdf(40 * 1024)
        r = self.upload(data, "application/pdf", filename="statement.pdf")
        self.assertEqual(r.status, 201, r.body)
        a = r.json()
        self.assertEqual(a["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual((a["size"], a["content_type"], a["filename"], a["uploaded_by"]),
                         (len(data), "application/pdf", "statement.pdf", "handler"))
        location = r.header("Location")
        self.assertEqual(location, f"/api/v1/complaints/{self.ref}/attachments/{a['id']}")
        for user in ("handler", "manager", "auditor"):
            d = self.s.request("GET", location, as_user=user)
            self.assertEqual(d.status, 200, f"{user}: {d.body[:200]}")
            self.assertEqual(d.body, data)
            self.assertEqual(d.header("Content-Type"), "application/pdf")
            self.assertIn("attachment", d.header("Content-Disposition") or "")
            self.assertEqual(d.header("X-Content-Type-Options"), "nosniff")
        self.assertIn(a["id"], [x["id"] for x in self.attachments()])
        self.assertTrue(os.path.exists(self.stored_file(data)))
        timeline = self.s.request("GET", f"/api/v1/complaints/{self.ref}/events",
                                  as_user="manager").json()["items"]
        ev = [e for e in timeline if e["action"] == "attachment"][-1]
        self.assertEqual((ev["actor"], ev["after"]["sha256"]), ("handler", a["sha256"]))

    def test_other_accepted_types(self):
        for data, ctype in ((PNG, "image/png"), (b"GIF89a" + b"\0" * 20, "image/gif"),
                            (b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
                            (b"plain words, no NUL", "text/plain; charset=utf-8")):
            r = self.upload(data, ctype, filename="f")
            self.assertEqual(r.status, 201, f"{ctype}: {r.body}")
            d = self.s.request("GET", r.header("Location"), as_user="handler")
            self.assertEqual(d.body, data)

    def test_content_type_mismatch_is_415_and_stores_nothing(self):
        n = len(self.attachments())
        cases = [(b"just some text, not an image", "image/png"),
                 (b"just some text", "application/pdf"),
                 (PNG, "image/jpeg"),
                 (b"PK\x03\x04zipzip", "application/zip"),
                 (b"<html><script>alert(1)</script>", "text/html"),
                 (b"bin\0ary", "text/plain"),
                 (pdf(1000), "application/octet-stream")]
        for data, ctype in cases:
            r = self.upload(data, ctype)
            self.assertEqual(r.status, 415, f"{ctype}: {r.body}")
            self.assertEqual(r.header("Content-Type"), "application/problem+json")
            self.assertFalse(os.path.exists(self.stored_file(data)), ctype)
        self.assertEqual(len(self.attachments()), n)

    def test_bad_uploads_are_422(self):
        n = len(self.attachments())
        r = self.upload(b"", "application/pdf")
        self.assertEqual(r.status, 422, r.body)
        for name in ("a/b.pdf", "..%2F..%2Fetc%2Fpasswd", "a%5Cb.pdf", "x" * 256):
            r = self.upload(pdf(100), "application/pdf", filename=name)
            self.assertEqual(r.status, 422, f"{name}: {r.body}")
            self.assertIn("/query/filename", [e["pointer"] for e in r.json()["errors"]])
        self.assertEqual(len(self.attachments()), n)

    def test_scope_and_roles(self):
        n = len(self.attachments())
        data = pdf(2000) + b"scope-check"
        r = self.upload(data, "application/pdf", user="handler2")
        self.assertEqual(r.status, 404, r.body)
        self.assertFalse(os.path.exists(self.stored_file(data)), "written before scope check")
        for user in ("auditor", "admin"):
            r = self.upload(data, "application/pdf", user=user)
            self.assertEqual(r.status, 403, f"{user}: {r.body}")
        r = self.s.request("POST", f"/api/v1/complaints/{self.ref}/attachments", raw=data,
                           content_type="application/pdf")
        self.assertEqual(r.status, 401, r.body)
        self.assertEqual(len(self.attachments()), n)
        self.assertFalse(os.path.exists(self.stored_file(data)))
        ok = self.upload(data, "application/pdf")
        self.assertEqual(ok.status, 201, ok.body)
        loc = ok.header("Location")
        self.assertEqual(self.s.request("GET", loc, as_user="handler2").status, 404)
        self.assertIn(self.s.request("GET", loc, as_user="admin").status, (403, 404))
        # An attachment id is only found through its own complaint.
        aid = ok.json()["id"]
        r = self.s.request("GET", f"/api/v1/complaints/{self.other}/attachments/{aid}",
                           as_user="manager")
        self.assertEqual(r.status, 404, r.body)

    def test_unknown_attachment_is_404(self):
        for aid in ("999999", "0", "-1", "abc", "1x"):
            r = self.s.request("GET", f"/api/v1/complaints/{self.ref}/attachments/{aid}",
                               as_user="manager")
            self.assertEqual(r.status, 404, f"{aid}: {r.body}")
            self.assertEqual(r.header("Content-Type"), "application/problem+json")

    def test_declared_size_over_10_mib_is_refused(self):
        token = self.s.tokens.get("handler") or self.s.login("handler")
        n = len(self.attachments())
        status = declared_upload(self.s.port, f"/api/v1/complaints/{self.ref}/attachments",
                                 token, 10 * MIB + 1, b"%PDF-1.4\n")
        self.assertIsNotNone(status)
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertEqual(len(self.attachments()), n)

    def test_over_10_mib_is_413(self):
        # BUG: Server::Serve applies the 64 KiB JSON body_limit before async_read_header and
        # only raises it to 10 MiB for the attachments route after the header is read; Beast
        # already rejects a Content-Length over 64 KiB during the header read, so the answer
        # is 400 "The request could not be parsed." (instance "/"), not 413.
        token = self.s.tokens.get("handler") or self.s.login("handler")
        status = declared_upload(self.s.port, f"/api/v1/complaints/{self.ref}/attachments",
                                 token, 10 * MIB + 1, b"%PDF-1.4\n")
        self.assertEqual(status, 413)
        r = self.upload(pdf(10 * MIB + 1), "application/pdf")
        self.assertEqual(r.status, 413, r.body)

    def test_upload_between_64_kib_and_10_mib_is_accepted(self):
        # BUG (same root cause as test_over_10_mib_is_413): POST
        # /api/v1/complaints/{reference}/attachments with a 1 MiB (or any > 64 KiB) PDF
        # answers 400 malformed-request instead of 201; only uploads up to 64 KiB work.
        for size in (64 * 1024 + 1, MIB, 10 * MIB):
            data = pdf(size)
            r = self.upload(data, "application/pdf", filename=f"big-{size}.pdf")
            self.assertEqual(r.status, 201, f"{size}: {r.body[:200]}")
            d = self.s.request("GET", r.header("Location"), as_user="handler")
            self.assertEqual(d.body, data)

    def test_same_bytes_twice_are_two_attachments_one_file(self):
        data = pdf(3000) + b"twice"
        a = self.upload(data, "application/pdf", filename="one.pdf")
        b = self.upload(data, "application/pdf", filename="two.pdf")
        self.assertEqual((a.status, b.status), (201, 201), (a.body, b.body))
        self.assertNotEqual(a.json()["id"], b.json()["id"])
        self.assertEqual(a.json()["sha256"], b.json()["sha256"])
        self.assertEqual(self.s.request("GET", b.header("Location"), as_user="handler").body, data)


if __name__ == "__main__":
    unittest.main()
