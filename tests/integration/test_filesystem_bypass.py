"""The filesystem bypass corpus, end to end, against the real PyPI `filesystem-mcp` server (and client roots,
against a stub server that asks for them as the reference server does).

The attacker drives the tools (a prompt-injected agent) and has planted symlinks in the workspace (a hostile
repository). Canaries: secrets whose tokens must never appear in a response, marker files that must not be
created, files that must not change.

The server is started with "/" as its allowed directory: its own checks are not a security boundary (see
SERVERS.md), so every payload is first shown to do real damage with the server alone, then shown to be stopped
by contain. A second bare run with the server correctly limited to the workspace shows the server's own check
missing the dangling-symlink writes.

Corpus: tests/corpus/filesystem/payloads.jsonl. Placeholders: ${WS} workspace, ${OUT} a directory outside it,
${ROOT} their parent, ${EVIL} the prefix sibling "<ws>-evil", ${WSNAME} the workspace's name. Damage kinds:
  leak      the named canary token appears anywhere in the response
  creates   the file exists afterwards
  modifies  the file's content changed
"""
import fcntl
import json
import os
import pathlib
import shutil
import signal
import tempfile
import termios
import time

import pytest
import yaml

from conftest import REPO, SETPRIV, UNPRIV_UID
from mcpdriver import Driver, is_blocked, result_text

CORPUS = REPO / "tests" / "corpus" / "filesystem" / "payloads.jsonl"
PAYLOADS = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def test_corpus_is_big_enough_and_well_formed():
    assert len(PAYLOADS) >= 60
    assert len({p["id"] for p in PAYLOADS}) == len(PAYLOADS)
    for p in PAYLOADS:
        assert p["tool"] in {"read_file", "list_directory", "write_file"}, p
        assert len(p["damage"]) == 1 and next(iter(p["damage"])) in {"leak", "creates", "modifies"}, p
        assert p["scope"] in {"outside", "workspace-secret"}, p


class Scene:
    """The planted world: workspace with secrets and hostile symlinks, canaries outside it."""

    def __init__(self, root: pathlib.Path, ws: pathlib.Path):
        self.root, self.ws = root, ws
        self.out = root / "outside"
        self.evil = root / (ws.name + "-evil")
        self.home = root / "home"
        hexid = os.urandom(6).hex()
        self.tokens = {name: f"CANARY-{name}-{hexid}" for name in
                       ["OUT", "HOME", "EVIL", "ENV", "ENV2", "GIT", "KEY", "PEM"]}
        self.tokens["LISTING"] = f"listing-canary-{hexid}"
        self.tokens["ROOTLIST"] = f"root-canary-{hexid}"
        self.tokens["HOMELIST"] = f"home-canary-{hexid}"
        self.tokens["PASSWD"] = "root:x:0:0:"
        t = self.tokens

        for d in [self.out, self.evil, self.home / ".ssh"]:
            d.mkdir(parents=True)
        (self.out / "secret.txt").write_text(t["OUT"] + "\n")
        (self.out / t["LISTING"]).write_text("x")
        (self.out / "existing.txt").write_text("ORIGINAL\n")
        (self.evil / "secret.txt").write_text(t["EVIL"] + "\n")
        (self.home / ".ssh" / "id_rsa").write_text(t["HOME"] + "\n")
        (self.home / t["HOMELIST"]).write_text("x")
        (root / t["ROOTLIST"]).write_text("x")

        for d in ["sub/a/b", ".git", "keys", "certs"]:
            (ws / d).mkdir(parents=True, exist_ok=True)
        files = {".env": t["ENV"], "sub/.env": t["ENV2"], ".git/config": "[core]\n# " + t["GIT"],
                 "keys/id_ed25519": t["KEY"], "certs/server.pem": t["PEM"], "inside.txt": "inside\n",
                 "sub/a/b/ok.txt": "ok\n"}
        for rel, content in files.items():
            (ws / rel).write_text(content + "\n")
        links = {"link-out": str(self.out), "link-out-rel": "../outside", "link-secret": str(self.out / "secret.txt"),
                 "link-root": "/", "link-etc": "/etc", "link-up": "..", "link-env": ".env", "link-git": ".git",
                 "chain1": "chain2", "chain2": "link-out", "link-existing": str(self.out / "existing.txt"),
                 "dangling-1": str(self.out / "dangling-created-1.txt"),
                 "dangling-2": str(self.out / "dangling-created-2.txt"),
                 "dangling-3": str(self.out / "dangling-created-3.txt"),
                 "dangling-rel": "../outside/dangling-rel-created.txt"}
        for name, target in links.items():
            os.symlink(target, ws / name)
        # The workspace belongs to the uid the server runs as under contain: only contain may stop a write.
        for dirpath, dirnames, filenames in os.walk(ws):
            for n in [dirpath, *[os.path.join(dirpath, f) for f in dirnames + filenames]]:
                os.lchown(n, UNPRIV_UID, UNPRIV_UID)
        for p in [root, self.out, self.evil, self.home]:
            os.chmod(p, 0o755)
        self.protected = self.snapshot()

    def expand(self, value):
        if isinstance(value, str):
            return (value.replace("${WSNAME}", self.ws.name).replace("${WS}", str(self.ws))
                    .replace("${OUT}", str(self.out)).replace("${ROOT}", str(self.root))
                    .replace("${EVIL}", str(self.evil)))
        if isinstance(value, dict):
            return {k: self.expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        return value

    def snapshot(self):
        """Every file outside the workspace and every secret inside it, with content."""
        snap = {}
        for base in [self.out, self.evil, self.home, self.ws / ".env", self.ws / "sub/.env", self.ws / ".git/config",
                     self.ws / "keys/id_ed25519", self.ws / "certs/server.pem"]:
            paths = [base] if base.is_file() else [pathlib.Path(d) / f for d, _, fs in os.walk(base) for f in fs]
            for p in paths:
                snap[str(p)] = p.read_bytes()
        snap["root-entries"] = sorted(os.listdir(self.root))
        return snap

    def damage(self, payload, resp, before):
        kind, target = next(iter(payload["damage"].items()))
        if kind == "leak":
            return self.tokens[target] in json.dumps(resp, ensure_ascii=False)
        path = pathlib.Path(self.expand(target))
        if kind == "creates":
            return os.path.lexists(path)
        return path.read_bytes() != before

    def restore(self, payload, before):
        kind, target = next(iter(payload["damage"].items()))
        path = pathlib.Path(self.expand(target)) if kind != "leak" else None
        if kind == "creates" and path is not None and os.path.lexists(path):
            path.unlink()
        if kind == "modifies" and path is not None:
            path.write_bytes(before)


@pytest.fixture
def scene():
    """Under a world-traversable temp directory (pytest's own is 0700 root, which the sandbox's unprivileged
    host uid could not reach), with the workspace owned by that uid."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="contain-fs-"))
    os.chmod(root, 0o755)
    ws = root / "ws"
    ws.mkdir()
    yield Scene(root, ws)
    shutil.rmtree(root, ignore_errors=True)


def server_env(scene):
    return {"PATH": "/usr/bin:/bin", "HOME": str(scene.home), "LANG": "C.UTF-8"}


def start(argv, scene):
    """Starts the server (or contain in front of it). Its stderr goes to a file: a server that logs a traceback
    per failed call would fill a pipe nobody reads and stall."""
    log = tempfile.TemporaryFile()
    d = Driver(argv, env=server_env(scene), cwd=str(scene.ws), stderr=log)
    d.log = log
    try:
        d.initialize()
    except (EOFError, TimeoutError) as e:
        rc, err = stop(d)
        raise AssertionError(f"{argv} did not start (exit {rc}): {e}\n{err[-3000:]}") from None
    return d


def stop(d):
    rc, _ = d.close()
    d.log.seek(0)
    err = d.log.read().decode(errors="replace")
    d.log.close()
    return rc, err


def run_corpus(argv, scene, payloads=PAYLOADS):
    d = start(argv, scene)
    results = {}
    for p in payloads:
        kind, target = next(iter(p["damage"].items()))
        before = pathlib.Path(scene.expand(target)).read_bytes() if kind == "modifies" else None
        resp = d.call(p["tool"], scene.expand(p["arguments"]))
        results[p["id"]] = (resp, scene.damage(p, resp, before))
        scene.restore(p, before)
    rc, err = stop(d)
    return results, rc, err


def fs_mcp(venv):
    return venv("fs", "filesystem-mcp")


def test_bare_server_lets_every_payload_do_damage(scene, venv):
    """Proves the payloads are real: with "/" allowed the server does whatever it is asked."""
    results, _, err = run_corpus([fs_mcp(venv), "/"], scene)
    harmless = [pid for pid, (resp, damaged) in results.items() if not damaged]
    assert not harmless, f"payloads that did no damage bare (fix the corpus): {harmless}\n{err[-2000:]}"


def test_bare_server_own_check_misses_dangling_symlink_writes(scene, venv):
    """Even correctly limited to the workspace, the server's check resolves a dangling symlink's parent, not
    its target, and the write lands outside. (contain resolves the target: see the contained run.)"""
    dangling = [p for p in PAYLOADS if p["id"].startswith("write-dangling")]
    results, _, _ = run_corpus([fs_mcp(venv), str(scene.ws)], scene, dangling)
    assert all(damaged for _, damaged in results.values()), {k: result_text(r) for k, (r, _) in results.items()}


MODES = ["root", "unprivileged"]


def launcher(contain, unpriv_contain, mode):
    """contain as root (uid 0 inside maps to the workspace owner) or as an ordinary user (setpriv)."""
    return [*SETPRIV, unpriv_contain] if mode == "unprivileged" else [contain]


def contained_argv(contain, profile, scene, venv, audit=None):
    argv = [*(contain if isinstance(contain, list) else [contain]), "run", "--profile", str(profile), "--workspace", str(scene.ws)]
    if audit:
        argv += ["--audit", str(audit)]
    return argv + ["--", fs_mcp(venv), "/"]


@pytest.mark.parametrize("mode", MODES)
def test_contain_blocks_every_payload(scene, venv, contain, unpriv_contain, mode):
    audit_dir = pathlib.Path(tempfile.mkdtemp(prefix="contain-fs-audit-"))
    os.chmod(audit_dir, 0o777)
    audit = audit_dir / "audit.jsonl"
    argv = contained_argv(launcher(contain, unpriv_contain, mode), "filesystem", scene, venv, audit)
    results, rc, err = run_corpus(argv, scene)
    failures = []
    for pid, (resp, damaged) in results.items():
        if damaged:
            failures.append(f"{pid}: DAMAGE: {result_text(resp)[:300]}")
        elif not is_blocked(resp):
            failures.append(f"{pid}: not refused by the transport wall: {result_text(resp)[:300]}")
    assert not failures, "\n".join(failures) + "\n" + err[-3000:]
    # Nothing outside the workspace (or among its secrets) was created, changed or removed.
    assert scene.snapshot() == scene.protected
    # Every refusal names the rule and the canonical path, and is audited.
    for pid, (resp, _) in results.items():
        assert result_text(resp).startswith("Blocked by contain: fs.paths: "), (pid, result_text(resp))
    # The audit log keeps the first lines of each (wall, rule, tool) group and marks where it stops
    # ("suppressing_further"); the summary counts them all.
    events = [json.loads(line) for line in audit.read_text().splitlines() if line.strip()]
    assert events and all(e.get("wall") == "transport" and e.get("verdict") == "blocked" and e.get("rule") == "fs.paths"
                          for e in events), events[:3]
    by_tool = {}
    for p in PAYLOADS:
        by_tool[p["tool"]] = by_tool.get(p["tool"], 0) + 1
    for tool, sent in by_tool.items():
        logged = [e for e in events if e.get("tool") == tool]
        assert len(logged) == sent or (logged and logged[-1].get("suppressing_further")), (tool, sent, len(logged))
    # Each line carries the raw path (in the arguments and the detail) and the canonical one (the detail).
    first = events[0]
    assert str(scene.out / "secret.txt") in first["detail"] and "resolves to" in first["detail"], first
    shutil.rmtree(audit_dir, ignore_errors=True)


def test_contain_readonly_profile_refuses_even_workspace_writes(scene, venv, contain):
    inside = {"id": "write-inside", "tool": "write_file",
              "arguments": {"path": "${WS}/new-file.txt", "content": "x"},
              "damage": {"creates": "${WS}/new-file.txt"}, "scope": "outside"}
    read_ok = {"id": "read-inside", "tool": "read_file", "arguments": {"path": "inside.txt"},
               "damage": {"leak": "OUT"}, "scope": "outside"}
    results, _, err = run_corpus(contained_argv(contain, "filesystem-readonly", scene, venv), scene, [inside, read_ok])
    resp, damaged = results["write-inside"]
    assert not damaged and is_blocked(resp), result_text(resp) + err[-2000:]
    resp, _ = results["read-inside"]
    assert "inside" in result_text(resp) and not is_blocked(resp), result_text(resp)


def test_environment_wall_alone_stops_everything_outside_the_workspace(scene, venv, contain, tmp_path_factory):
    """The same corpus with the transport wall removed from the profile: the kernel's view must still keep
    every file outside the workspace out of reach (ENOENT: it is not in the view)."""
    prof = yaml.safe_load((REPO / "profiles" / "filesystem.yaml").read_text())
    del prof["mcp"]
    path = tmp_path_factory.mktemp("profile") / "filesystem-envonly.yaml"
    path.write_text(yaml.safe_dump(prof))
    outside = [p for p in PAYLOADS if p["scope"] == "outside"]
    results, _, err = run_corpus(contained_argv(contain, path, scene, venv), scene, outside)
    damaged = {pid: result_text(r)[:200] for pid, (r, d) in results.items() if d}
    assert not damaged, f"{damaged}\n{err[-2000:]}"
    assert scene.snapshot() == scene.protected


# -- the race: a symlink swapped between the transport wall's check and the server's use ------------------------

def _descendants(pid):
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


def _server_pid(launcher_pid):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for p in _descendants(launcher_pid) or [launcher_pid]:
            try:
                cmd = pathlib.Path(f"/proc/{p}/cmdline").read_bytes()
            except OSError:
                continue
            if b"filesystem-mcp" in cmd and b"python" in cmd.split(b"\0")[0]:
                return p
        time.sleep(0.05)
    raise AssertionError("filesystem-mcp process not found under %d" % launcher_pid)


def _pipe_fill(pid):
    """Bytes waiting in each pipe the process holds (FIONREAD through /proc/<pid>/fd/N). The MCP SDK moves
    its stdin pipe away from fd 0, so every pipe is measured; while the process is stopped, only its input
    can grow."""
    fill = {}
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            if not os.readlink(f"/proc/{pid}/fd/{n}").startswith("pipe:"):
                continue
            fd = os.open(f"/proc/{pid}/fd/{n}", os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            buf = bytearray(4)
            fcntl.ioctl(fd, termios.FIONREAD, buf)
            fill[n] = int.from_bytes(buf, "little")
        finally:
            os.close(fd)
    return fill


def _stop(pid):
    """SIGSTOP and wait until every thread is stopped (a running thread could still read its input)."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 60
    while True:
        states = []
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                st = pathlib.Path(f"/proc/{pid}/task/{t}/stat").read_text()
                states.append(st[st.rindex(")") + 2])
            except OSError:
                pass
        if states and all(c in "tT" for c in states):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"server {pid} did not stop: {states}")
        time.sleep(0.01)


def race(argv, scene):
    """Stop the server, send a read of `race` (a symlink to a file inside the workspace), wait until the
    request is in the server's stdin (so it has passed any check in front of it), swap the symlink to the
    outside secret, let the server run. Deterministic: no timing decides the interleaving."""
    link = scene.ws / "race"
    os.symlink("inside.txt", link)
    d = start(argv, scene)
    try:
        server = _server_pid(d.proc.pid)
        _stop(server)
        try:
            baseline = _pipe_fill(server)
            d.send({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                    "params": {"name": "read_file", "arguments": {"path": str(link)}}})
            deadline = time.monotonic() + 60
            while not any(v > baseline.get(k, 0) for k, v in _pipe_fill(server).items()):
                if time.monotonic() > deadline:
                    raise AssertionError("the request never reached the server (refused in front of it?)")
                time.sleep(0.01)
            tmp = scene.ws / "race.new"
            os.symlink(str(scene.out / "secret.txt"), tmp)
            os.rename(tmp, link)
        finally:
            os.kill(server, signal.SIGCONT)
        return d.wait_for(99)
    finally:
        stop(d)


def test_race_bare_server_reads_the_swapped_target(scene, venv):
    resp = race([fs_mcp(venv), "/"], scene)
    assert scene.tokens["OUT"] in json.dumps(resp), result_text(resp)


@pytest.mark.parametrize("mode", MODES)
def test_race_swapped_symlink_is_stopped_by_the_environment_wall(scene, venv, contain, unpriv_contain, mode):
    resp = race(contained_argv(launcher(contain, unpriv_contain, mode), "filesystem", scene, venv), scene)
    text = json.dumps(resp)
    # The transport wall checked the link while it pointed inside and let the call through...
    assert not is_blocked(resp), result_text(resp)
    # ...and the kernel's view still kept the swapped target out of reach.
    assert scene.tokens["OUT"] not in text
    assert resp["result"].get("isError") is True, text


# -- client roots: the reference server replaces its allowed directories with them --------------------------------

ROOTS_SERVER = r'''
import json, sys
# A stdio MCP server that, like the reference filesystem server, asks the client for its roots (roots/list)
# and would adopt them as its allowed directories. Its one tool reports what it received.
def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n"); sys.stdout.flush()
pending = None
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "initialize":
        send({"jsonrpc": "2.0", "id": msg["id"], "result": {"protocolVersion": msg["params"]["protocolVersion"],
              "capabilities": {"tools": {}}, "serverInfo": {"name": "roots-stub", "version": "1"}}})
    elif msg.get("method") == "tools/call":
        pending = msg["id"]
        send({"jsonrpc": "2.0", "id": "roots-1", "method": "roots/list"})
    elif msg.get("id") == "roots-1":
        text = ("ADOPTED " + json.dumps([r["uri"] for r in msg["result"]["roots"]]) if "result" in msg
                else "REFUSED " + msg["error"]["message"])
        send({"jsonrpc": "2.0", "id": pending, "result": {"content": [{"type": "text", "text": text}]}})
'''


def roots_session(argv, scene, roots):
    """Calls the stub's tool; answers its roots/list with `roots`; returns the tool's text."""
    d = start(argv, scene)
    try:
        d.send({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "show_roots", "arguments": {}}})
        while True:
            msg = d.read_message(60)
            if msg.get("method") == "roots/list":
                d.send({"jsonrpc": "2.0", "id": msg["id"], "result": {"roots": [{"uri": u, "name": "r"} for u in roots]}})
            elif msg.get("id") == 7:
                return result_text(msg)
    finally:
        stop(d)


@pytest.mark.parametrize("mode", MODES)
def test_client_roots_outside_the_workspace_never_reach_the_server(scene, contain, unpriv_contain, mode):
    stub = scene.ws / ".roots_server.py"
    stub.write_text(ROOTS_SERVER)
    os.chmod(stub, 0o644)
    server = ["/usr/bin/python3", str(stub)]
    outside_roots = [f"file://{scene.ws}", f"file://{scene.out}"]
    sneaky_roots = [f"file://{scene.ws}/link-out", f"file://{scene.ws}/..", "file:///"]
    inside_roots = [f"file://{scene.ws}", f"file://{scene.ws}/sub"]
    # Bare, the server adopts whatever the client offers.
    assert str(scene.out) in roots_session(server, scene, outside_roots)
    argv = [*launcher(contain, unpriv_contain, mode), "run", "--profile", "filesystem", "--workspace", str(scene.ws),
            "--", *server]
    text = roots_session(argv, scene, outside_roots)
    # The server got an error instead of the roots: it adopted nothing.
    assert text.startswith("REFUSED Blocked by contain: fs.paths: roots[1]"), text
    assert f'resolves to {scene.out}, outside fs.paths allow list' in text, text
    for uri in sneaky_roots:
        text = roots_session(argv, scene, [uri])
        assert text.startswith("REFUSED Blocked by contain: fs.paths: roots[0]"), (uri, text)
    text = roots_session(argv, scene, inside_roots)
    assert text == "ADOPTED " + json.dumps(inside_roots), text
