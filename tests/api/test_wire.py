"""The HTTP/1.1 messages as they go on the wire (the server writes status line and fields
itself): the fields every response carries, Content-Length for the body as sent (also when
it is assembled from a kept view's shared text), none for a 204, persistence as RFC 9112
has it for HTTP/1.1 and HTTP/1.0, and several responses in a row on one connection."""
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from redress_harness import Server  # noqa: E402

ALWAYS = {
    "server": "redress",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class Conn:
    """One client connection that reads responses one at a time by their Content-Length."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def response(self):
        """(status line, [(name, value)], body) of the next response."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        fields = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields.append((name, value.strip()))
        length = [int(v) for n, v in fields if n.lower() == "content-length"]
        n = length[0] if length else 0
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return lines[0], fields, body

    def closed_by_server(self):
        """Whether the server closes the connection (nothing more arrives, then EOF)."""
        try:
            return self.sock.recv(1) == b"" and self.buf == b""
        except ConnectionResetError:
            return True


def names(fields):
    return [n.lower() for n, _ in fields]


def value(fields, name):
    values = [v for n, v in fields if n.lower() == name]
    return values[0] if len(values) == 1 else values


def get(path, version="1.1", extra=""):
    return ("GET %s HTTP/%s\r\nHost: x\r\n%s\r\n" % (path, version, extra)).encode()


class WireTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.s.add_standard_users()
        cls.token = cls.s.login("handler")
        cls.ref = cls.s.create_complaint()["reference"]

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def conn(self):
        c = Conn(self.s.port)
        self.addCleanup(c.close)
        return c

    def test_fields_of_every_response_and_its_length(self):
        c = self.conn()
        c.send(get("/healthz"))
        line, fields, body = c.response()
        self.assertEqual(line, "HTTP/1.1 200 OK")
        for name, want in ALWAYS.items():
            self.assertEqual(value(fields, name), want, name)
        self.assertEqual(value(fields, "content-type"), "application/json")
        self.assertEqual(value(fields, "cache-control"), "no-store")
        self.assertEqual(value(fields, "content-security-policy"),
                         "default-src 'none'; frame-ancestors 'none'")
        self.assertEqual(int(value(fields, "content-length")), len(body))
        self.assertEqual(json.loads(body), {"status": "ok"})
        # HTTP/1.1 persists by default: no Connection field, and every field once.
        self.assertNotIn("connection", names(fields))
        self.assertEqual(len(names(fields)), len(set(names(fields))), fields)

    def test_a_handlers_own_fields_replace_the_defaults(self):
        c = self.conn()
        c.send(get("/favicon.ico") + get("/healthz"))
        line, fields, body = c.response()
        self.assertEqual(line, "HTTP/1.1 204 No Content")
        self.assertEqual(value(fields, "cache-control"), "public, max-age=86400")
        self.assertEqual(names(fields).count("cache-control"), 1)
        self.assertEqual(value(fields, "content-type"), "image/x-icon")
        self.assertNotIn("content-length", names(fields))
        self.assertEqual(c.response()[0], "HTTP/1.1 200 OK")

    def test_shared_view_body_is_sent_whole(self):
        # A staff read of a complaint is assembled from a kept view's text and the caller's own.
        c = self.conn()
        req = get("/api/v1/complaints/" + self.ref, extra="Authorization: Bearer %s\r\n"
                  % self.token)
        for _ in range(2):  # the first read keeps the view, the second is served from it
            c.send(req)
            line, fields, body = c.response()
            self.assertEqual(line, "HTTP/1.1 200 OK")
            self.assertEqual(int(value(fields, "content-length")), len(body))
            doc = json.loads(body)
            self.assertEqual(doc["reference"], self.ref)
            self.assertIn("timeline", doc)

    def test_several_responses_in_a_row_on_one_connection(self):
        c = self.conn()
        # Sent together: each response must end exactly where its Content-Length says.
        c.send(get("/healthz") + get("/api/v1/nowhere") + get("/healthz"))
        statuses = [c.response()[0] for _ in range(3)]
        self.assertEqual(statuses, ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found",
                                    "HTTP/1.1 200 OK"])

    def test_no_content_has_no_length_and_no_body(self):
        c = self.conn()
        auth = "Authorization: Bearer %s\r\n" % self.token
        body = json.dumps({"query": "state=acknowledged"}).encode()
        c.send(("PUT /api/v1/me/views/wire HTTP/1.1\r\nHost: x\r\n%sContent-Type: "
                "application/json\r\nContent-Length: %d\r\n\r\n" % (auth, len(body))).encode()
               + body)
        line, fields, _ = c.response()
        self.assertIn(line.split(" ")[1], ("200", "201"), line)
        c.send(("DELETE /api/v1/me/views/wire HTTP/1.1\r\nHost: x\r\n%s\r\n" % auth).encode()
               + get("/healthz"))
        line, fields, body = c.response()
        self.assertEqual(line, "HTTP/1.1 204 No Content")
        self.assertNotIn("content-length", names(fields))
        self.assertEqual(body, b"")
        # The next response follows at once: nothing was sent as a body of the 204.
        line, _, body = c.response()
        self.assertEqual(line, "HTTP/1.1 200 OK")
        self.assertEqual(json.loads(body), {"status": "ok"})

    def test_connection_close_is_answered_and_honoured(self):
        c = self.conn()
        c.send(get("/healthz", extra="Connection: close\r\n"))
        line, fields, _ = c.response()
        self.assertEqual(line, "HTTP/1.1 200 OK")
        self.assertEqual(value(fields, "connection"), "close")
        self.assertTrue(c.closed_by_server())

    def test_http_1_0_closes_unless_asked_to_keep_alive(self):
        c = self.conn()
        c.send(get("/healthz", version="1.0"))
        line, fields, _ = c.response()
        self.assertEqual(line, "HTTP/1.0 200 OK")
        self.assertNotIn("connection", names(fields))
        self.assertTrue(c.closed_by_server())

        k = self.conn()
        for _ in range(2):
            k.send(get("/healthz", version="1.0", extra="Connection: keep-alive\r\n"))
            line, fields, _ = k.response()
            self.assertEqual(line, "HTTP/1.0 200 OK")
            self.assertEqual(value(fields, "connection"), "keep-alive")

    def test_a_bad_path_is_answered_with_a_problem(self):
        c = self.conn()
        c.send(b"GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n")
        line, fields, body = c.response()
        self.assertEqual(line, "HTTP/1.1 400 Bad Request")
        self.assertEqual(value(fields, "content-type"), "application/problem+json")
        self.assertEqual(int(value(fields, "content-length")), len(body))
        self.assertEqual(json.loads(body)["status"], 400)


if __name__ == "__main__":
    unittest.main()
