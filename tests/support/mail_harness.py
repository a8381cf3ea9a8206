"""Mail for the tests: the SMTP sink as a process, and the settings file `redress serve --mail`
reads. Everything listens on 127.0.0.1 and is stopped by the test that started it."""
import email
import email.policy
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "mailgate-token-for-tests-0123456789"
# aiosmtpd comes from Debian (python3-aiosmtpd), for Debian's own interpreter, which may not
# be the first python3 on PATH.
SINK_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """tests/support/smtp_sink.py on a fixed port, so it can be stopped and started again."""

    def __init__(self, directory, port=None):
        self.directory = directory
        self.chosen = port is None  # a port of our choosing may be changed
        self.port = port or free_port()
        self.proc = None

    def start(self):
        # free_port() closes the port it found before the sink binds it, and tests running
        # beside this one (servers, PostgreSQL clusters) may take it meanwhile: then, on a
        # port of our own choosing, try another.
        for _ in range(3):
            self.proc = subprocess.Popen(
                [SINK_PYTHON, os.path.join(HERE, "smtp_sink.py"), "--port", str(self.port),
                 "--dir", self.directory], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            line = self.proc.stdout.readline()
            if line.strip() == b"ready":
                return self
            self.stop()
            if not self.chosen:
                break
            self.port = free_port()
        raise RuntimeError(f"SMTP sink did not start on 127.0.0.1:{self.port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def files(self):
        if not os.path.isdir(self.directory):
            return []
        return sorted(f for f in os.listdir(self.directory) if f.endswith(".eml"))

    def messages(self):
        """(envelope recipients, email.message.EmailMessage) for every message received."""
        out = []
        for f in self.files():
            path = os.path.join(self.directory, f)
            with open(path, "rb") as fh:
                msg = email.message_from_bytes(fh.read(), policy=email.policy.default)
            with open(path[:-4] + ".rcpt") as fh:
                rcpt = fh.read().split("\n")
            out.append((rcpt, msg))
        return out

    def wait_for(self, predicate, timeout=20):
        """Waits until predicate(messages) is true; returns the messages."""
        deadline = time.time() + timeout
        while True:
            msgs = self.messages()
            if predicate(msgs):
                return msgs
            if time.time() > deadline:
                raise AssertionError(f"timed out; {len(msgs)} messages: "
                                     f"{[m['Subject'] for _, m in msgs]}")
            time.sleep(0.1)


def write_mail_config(directory, smtp_port=None, inbound=True, extra=""):
    """Writes mail.toml (and the mailgate token) into `directory`; returns its path."""
    token_path = os.path.join(directory, "mailgate.token")
    with open(token_path, "w") as f:
        f.write(TOKEN + "\n")
    lines = []
    if smtp_port is not None:
        lines += ["[smtp]", f'url = "smtp://127.0.0.1:{smtp_port}"', 'starttls = "no"',
                  "timeout_seconds = 10", ""]
    lines += ["[message]", 'from = "complaints@bank.example"',
              'from_name = "Example Bank complaints"', 'organisation = "Example Bank"',
              'public_url = "https://complaints.bank.example"',
              'message_id_domain = "redress.test"', ""]
    lines += ["[delivery]", "poll_interval_ms = 100", "retry_base_seconds = 1",
              "retry_max_seconds = 2", ""]
    if inbound:
        lines += ["[inbound]", 'token_file = "mailgate.token"', ""]
    path = os.path.join(directory, "mail.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + extra)
    return path


def text_of(msg, subtype):
    part = msg.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else None
