"""Test harness: runs the real `redress` binary on 127.0.0.1 with a fresh data directory.

Used by the api, crash and multinode tiers. The binary comes from $REDRESS_BIN (set by ctest), the
shipped policies from $REDRESS_SOURCE_DIR/policies. Every server started here is stopped by
the test that started it; nothing listens beyond loopback.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

SOURCE_DIR = os.environ.get("REDRESS_SOURCE_DIR", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("REDRESS_BIN", os.path.join(SOURCE_DIR, "build", "redress"))
POLICIES = os.path.join(SOURCE_DIR, "policies")

PASSWORDS = {
    "admin": "admin-password-123",
    "manager": "manager-password-123",
    "handler": "handler-password-123",
    "handler2": "handler2-password-123",
    "investigator": "investigator-pass-123",
    "auditor": "auditor-password-123",
}
ROLES = {
    "admin": "admin",
    "manager": "manager",
    "handler": "handler",
    "handler2": "handler",
    "investigator": "investigator",
    "auditor": "auditor",
}


def run_cli(*args, stdin=None, data_dir=None, check=False):
    """Runs `redress ARGS` and returns the CompletedProcess (text mode)."""
    cmd = [BIN, *args]
    if data_dir is not None:
        cmd += ["--data", data_dir]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "REDRESS_POLICIES": POLICIES})
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} exited {proc.returncode}: {proc.stderr}")
    return proc


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Server:
    """A running `redress serve` on 127.0.0.1:<free port> (or the loopback HOST:PORT `listen`
    names: a node restarted on its old port)."""

    def __init__(self, data_dir=None, extra_args=(), listen="127.0.0.1:0"):
        self.own_dir = data_dir is None
        self.listen = listen
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="redress-test-")
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.tokens = {}

    # --- process ---------------------------------------------------------------------------
    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", self.data_dir, "--listen", self.listen,
             "--policies", POLICIES, *self.extra_args],
            stdout=subprocess.PIPE, stderr=self._log)
        deadline = time.time() + 30
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith(b"redress listening on "):
                self.port = int(line.strip().rsplit(b":", 1)[1])
                return self
        self.kill()
        raise RuntimeError(f"server did not start: {line!r}; log: {self.read_log()}")

    def stop(self):
        """SIGTERM, then require a clean exit: under the sanitizer build a leak or a use after
        free at shutdown makes the exit status non-zero, and that fails the test."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                raise RuntimeError("server did not stop within 60 s of SIGTERM")
            self.proc = None
            if code != 0:
                raise RuntimeError(f"server exited with {code}; log tail: {self.read_log()[-3000:]}")
        self.proc = None

    def close(self):
        """stop(), then close the stdout pipe and the log file the server was given, keeping the
        data directory (cleanup() removes one the harness made)."""
        proc = self.proc
        try:
            self.stop()
        finally:
            if proc is not None and proc.stdout is not None:
                proc.stdout.close()
            if getattr(self, "_log", None):
                self._log.close()

    def kill(self):
        """kill -9: no chance to flush or clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.own_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            if getattr(self, "_log", None):
                self._log.close()

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # --- users -----------------------------------------------------------------------------
    def add_user(self, name, role=None, password=None):
        role = role or ROLES[name]
        password = password or PASSWORDS[name]
        # Into the store the server is given (--store), else its data directory's.
        store = []
        if "--store" in self.extra_args:
            at = self.extra_args.index("--store")
            store = self.extra_args[at:at + 2]
        run_cli("user", "add", "--name", name, "--role", role, "--password-stdin", *store,
                stdin=password + "\n", data_dir=self.data_dir, check=True)

    def add_standard_users(self):
        for name in PASSWORDS:
            self.add_user(name)

    def login(self, name, password=None):
        r = self.request("POST", "/api/v1/session",
                         {"username": name, "password": password or PASSWORDS[name]})
        if r.status != 200:
            raise AssertionError(f"login {name}: {r.status} {r.body}")
        self.tokens[name] = r.json()["token"]
        return self.tokens[name]

    # --- HTTP ------------------------------------------------------------------------------
    def request(self, method, path, body=None, as_user=None, headers=None, raw=None,
                content_type="application/json", timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
            hdrs.setdefault("Content-Type", content_type)
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", content_type)
        if as_user is not None:
            token = self.tokens.get(as_user) or self.login(as_user)
            hdrs["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def create_complaint(self, **overrides):
        body = {
            "complainant": {"name": "Test Person", "email": "person@example.org"},
            "product": "Current account",
            "description": "I was charged a fee twice for one transfer.",
            "remedy_requested": "Refund the second fee.",
        }
        body.update(overrides)
        r = self.request("POST", "/api/v1/complaints", body)
        if r.status != 201:
            raise AssertionError(f"create: {r.status} {r.body}")
        return r.json()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
