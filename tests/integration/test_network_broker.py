"""network.allow through the built binary: the sandbox has its own network namespace with only loopback;
connect() traps to the supervisor, which connects allowed destinations itself from the host and installs the
socket. Host listeners are on 127.0.0.1 only (an allowed port and one that is not); nothing leaves the machine:
refused destinations are refused before any packet is sent. As root and as an unprivileged uid."""
import json
import os
import socket
import threading

import pytest

from conftest import SETPRIV, UNPRIV_UID, run

CLIENT = r"""
import errno, socket, sys
def attempt(name, fn):
    try:
        print(name, fn()); sys.stdout.flush()
    except OSError as e:
        print(name, "ERR", errno.errorcode.get(e.errno, e.errno)); sys.stdout.flush()

def fetch(host, port, timeout=None):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    if timeout is not None:
        s.settimeout(timeout)          # non-blocking connect + poll inside CPython
    s.connect((host, port))
    data = s.recv(100).decode()
    s.close()
    return data

allowed, other, v6 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
attempt("hosts", lambda: open("/etc/hosts").readline().strip())
attempt("allowed", lambda: fetch("127.0.0.1", allowed))
attempt("allowed_v6", lambda: fetch("::1", v6))
attempt("allowed_nonblocking", lambda: fetch("127.0.0.1", allowed, timeout=10))
attempt("allowed_by_name", lambda: fetch("localhost", allowed))
attempt("other_port", lambda: fetch("127.0.0.1", other))
attempt("outside", lambda: fetch("10.255.255.1", 443))
attempt("dns", lambda: socket.getaddrinfo("example.com", 443)[0][4][0])
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    return u.sendto(b"x", ("10.255.255.2", 53))
attempt("udp", udp)
"""


class TokenServer:
    """Answers every connection on 127.0.0.1 with a token, in a thread."""

    def __init__(self, family=socket.AF_INET, host="127.0.0.1"):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.token = "TOKEN-" + os.urandom(4).hex()
        self.accepted = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            c.sendall(self.token.encode())
            c.close()

    def close(self):
        self.sock.close()


@pytest.fixture(params=["root", "unprivileged"])
def who(request):
    return request.param


def test_exactly_the_allowed_destinations(contain, unpriv_contain, who, tmp_path, workspace):
    allowed, other, v6 = TokenServer(), TokenServer(), TokenServer(socket.AF_INET6, "::1")
    try:
        prof = tmp_path / "net.yaml"
        prof.write_text("version: 1\nextends: base\nenvironment:\n"
                        f"  network: {{ allow: [\"127.0.0.1:{allowed.port}\", \"localhost:{allowed.port}\", \"[::1]:{v6.port}\"] }}\n")
        client = workspace / "client.py"
        client.write_text(CLIENT)
        for p in (prof, client):
            os.chmod(p, 0o644)
        # The sandbox's host uid must be able to reach the workspace and the client (pytest's base is 0700).
        for p in tmp_path.parents:
            if str(p) in ("/", "/tmp"):
                break
            os.chmod(p, os.stat(p).st_mode | 0o055)
        report, audit = tmp_path / "report.json", tmp_path / "audit.jsonl"
        cmd = [contain if who == "root" else unpriv_contain, "run", "--profile", str(prof),
               "--workspace", str(workspace), "--report", str(report), "--audit", str(audit), "--",
               "/usr/bin/python3", str(client), str(allowed.port), str(other.port), str(v6.port)]
        if who != "root":
            os.chown(tmp_path, UNPRIV_UID, UNPRIV_UID)
            cmd = SETPRIV + cmd
        r = run(cmd, timeout=120)
        out = dict(line.split(" ", 1) for line in r.stdout.decode().splitlines())
        assert r.returncode == 0, r.stderr.decode()
        assert out["hosts"].startswith("# written by contain")  # the sandbox resolves only allowed names
        assert out["allowed"] == allowed.token
        assert out["allowed_v6"] == v6.token
        assert out["allowed_nonblocking"] == allowed.token
        assert out["allowed_by_name"] == allowed.token      # /etc/hosts written by contain
        # The host's other port is not reachable: the call continues in the sandbox's own network namespace,
        # where nothing listens (ECONNREFUSED) or Landlock refuses TCP connect (EACCES, profiles/base.yaml).
        assert out["other_port"] in ("ERR ECONNREFUSED", "ERR EACCES") and other.accepted == 0
        assert out["outside"] == "ERR ECONNREFUSED"
        assert out["dns"].startswith("ERR") or "gaierror" in out["dns"] or out["dns"] == ""
        assert out["udp"] == "ERR EACCES"
        assert allowed.accepted == 3

        rep = json.loads(report.read_text())
        conn = [e for e in rep["events"] if e["event"] == "connect"]
        details = " ".join(e["detail"] for e in conn)
        assert "blocked connect to 10.255.255.1:443 (not in network.allow)" in details
        lines = [json.loads(l) for l in audit.read_text().splitlines()]
        sends = [l for l in lines if l.get("event") == "connect" and l["args"].get("address") == "10.255.255.2:53"]
        assert sends and sends[0]["verdict"] == "blocked"
    finally:
        for srv in (allowed, other, v6):
            srv.close()
