"""A minimal newline-delimited JSON-RPC driver for MCP stdio servers (and for `contain run` in front of one).

It speaks the wire format directly so tests can send exactly the bytes they mean (malformed lines, duplicate keys,
oversized messages), which a real SDK client never would. End-to-end tests that need a real client's behaviour use
the `mcp` SDK instead (see sdkclient.py).
"""
import json
import os
import select
import subprocess
import time


class Driver:
    def __init__(self, argv, env=None, cwd=None, stderr=subprocess.PIPE, preexec_fn=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                     env=env, cwd=cwd, preexec_fn=preexec_fn)
        self._buf = b""
        self._next_id = 1
        self.notifications = []

    # -- raw I/O -------------------------------------------------------------------------------------------------
    def send_raw(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def read_line(self, timeout=30.0) -> bytes:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line from server within %.0fs; buffered %r" % (timeout, self._buf[:200]))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError("server closed stdout; buffered %r" % self._buf[:200])
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def read_message(self, timeout=30.0):
        return json.loads(self.read_line(timeout))

    # -- JSON-RPC ------------------------------------------------------------------------------------------------
    def request(self, method, params=None, timeout=60.0):
        rid = self._next_id
        self._next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.wait_for(rid, timeout)

    def wait_for(self, rid, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            msg = self.read_message(max(0.1, deadline - time.monotonic()))
            if msg.get("id") == rid and ("result" in msg or "error" in msg):
                return msg
            if "method" in msg and "id" in msg:
                # A server->client request (roots/list, sampling, ping): answer minimally so the server goes on.
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": {} if msg["method"] == "ping" else {"roots": []}})
                continue
            self.notifications.append(msg)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def initialize(self, version="2025-06-18"):
        r = self.request("initialize", {"protocolVersion": version, "capabilities": {},
                                        "clientInfo": {"name": "contain-tests", "version": "1"}})
        assert "result" in r, r
        self.notify("notifications/initialized")
        return r["result"]

    def list_tools(self):
        r = self.request("tools/list", {})
        assert "result" in r, r
        return r["result"]["tools"]

    def call(self, tool, arguments, timeout=60.0):
        return self.request("tools/call", {"name": tool, "arguments": arguments}, timeout=timeout)

    def close(self, timeout=20.0):
        try:
            self.proc.stdin.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
        return self.proc.returncode, err


def result_text(resp) -> str:
    """The text content of a tools/call response (or the error message)."""
    if "error" in resp:
        return "JSONRPC-ERROR: " + resp["error"].get("message", "")
    parts = resp["result"].get("content", [])
    return "\n".join(p.get("text", "") for p in parts if isinstance(p, dict))


def is_blocked(resp) -> bool:
    return "result" in resp and resp["result"].get("isError") is True and \
        result_text(resp).startswith("Blocked by contain:")
