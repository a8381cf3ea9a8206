"""HAProxy on 127.0.0.1 in front of two `redress serve` nodes, for the multi-node test and the
PostgreSQL bench stage: roundrobin, health checks on GET /healthz, one thread, retries on the
other node (redispatch) for a request that could not be sent.

HAProxy (Debian `haproxy`, scripts/install-deps.sh) runs in the foreground (-db) as a child of
the caller, which stops it with stop().
"""
import http.client
import os
import shutil
import socket
import subprocess
import time

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

CONFIG = """\
global
    maxconn {maxconn}
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 1s
    retries 3
    option redispatch 1

frontend redress
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz
    http-check expect status 200
    default-server check {checks} fall 2 rise 1
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
"""


class Balancer:
    """HAProxy over the nodes at `ports` (two), on a free port of 127.0.0.1 (`port`, `url`).
    `checks`: the health-check timing of the default-server line; `maxconn`: the global limit."""

    def __init__(self, tmp, ports, checks="inter 1s", maxconn=4096):
        self.cfg = os.path.join(tmp, "haproxy.cfg")
        self.log_path = os.path.join(tmp, "haproxy.log")
        self.proc = None
        for _ in range(5):  # the free port may be taken before HAProxy binds it
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            self.url = f"http://127.0.0.1:{self.port}"
            with open(self.cfg, "w") as f:
                f.write(CONFIG.format(port=self.port, a=ports[0], b=ports[1], checks=checks,
                                      maxconn=maxconn))
            with open(self.log_path, "ab") as out:
                self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.cfg], stdout=out,
                                             stderr=out, stdin=subprocess.DEVNULL)
            if self._wait_ready():
                return
            self.stop()
        raise RuntimeError(f"haproxy did not start: {self.read_log()[-2000:]}")

    def _wait_ready(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        return True
                finally:
                    conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
