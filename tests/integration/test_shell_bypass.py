"""The shell bypass corpus, end to end, against real shell-exec MCP servers.

Three servers:
  argv form   the real PyPI `mcp-shell-server` (tool `shell_execute`, `command` an argv array), configured as a
              user would who trusts its own checks: ALLOW_COMMANDS plus ALLOW_PATTERNS=".*".
  shell form  tests/corpus/shell/string_server.py: the `mcp` SDK's FastMCP with one tool,
              `execute_command(command: str)`, running the string with `bash -c` (what hand-written servers do).
  no shell    the same server with --no-shell: shlex.split and exec (what the "safer" ones do); comments,
              operators and redirection targets become arguments of the first command.

The attacker drives the tools (a prompt-injected agent) and has planted things in the workspace (a hostile
repository): `bin/ls` (really rm), `evil.sh`, `planted.tar`, and git aliases that run shell commands.

Every payload is first run against the bare server (as the unprivileged uid a user would be) and must do its
damage there; then against the same server under `contain run --profile shell`, where every payload must be
refused by the transport wall and no canary may fire. A last test removes the transport wall from the profile
and shows the environment wall alone still stops a secret read outside the workspace, a write outside it and a
network connection, and reports a denied syscall.

Corpus: tests/corpus/shell/payloads.jsonl. Placeholders: ${ID} the payload id, ${WS} the workspace, ${OUT} a
directory outside it holding secret.txt. Damage kinds (paths relative to the workspace):
  creates   the file exists afterwards          deletes   the file is gone afterwards
  modifies  the file's content changed          leak      the secret's token appears in the response
"""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading

import pytest
import yaml

from conftest import REPO, SETPRIV, UNPRIV_UID
from mcpdriver import Driver, is_blocked, result_text

CORPUS = REPO / "tests" / "corpus" / "shell" / "payloads.jsonl"
PAYLOADS = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
ARGV = [p for p in PAYLOADS if p["form"] == "argv"]
SHELL = [p for p in PAYLOADS if p["form"] == "shell" and p.get("server") != "noshell"]
NOSHELL = [p for p in PAYLOADS if p.get("server") == "noshell"]
AUDIT_LINES_PER_KEY = 50  # ContainAudit.AuditLog.perKeyLineLimit
STRING_SERVER = REPO / "tests" / "corpus" / "shell" / "string_server.py"

# What a user of mcp-shell-server would list; ALLOW_PATTERNS=".*" lets anything its own checks pass.
ALLOW_COMMANDS = ("ls,cat,head,tail,wc,grep,find,git,echo,pwd,sort,uniq,cut,diff,stat,file,rm,cp,mv,touch,mkdir,"
                  "dd,fold,truncate,shred,ln,install,split,gzip,xxd,tee,tar,mount")


def test_corpus_is_big_enough_and_well_formed():
    assert len(PAYLOADS) >= 80
    assert len(ARGV) >= 30 and len(SHELL) >= 30
    assert len({p["id"] for p in PAYLOADS}) == len(PAYLOADS)
    for p in PAYLOADS:
        assert p["tool"] == ("shell_execute" if p["form"] == "argv" else "execute_command"), p
        assert isinstance(p["command"], list if p["form"] == "argv" else str), p
        assert len(p["damage"]) == 1 and next(iter(p["damage"])) in {"creates", "deletes", "modifies", "leak"}, p
        assert p["why"], p


class Scene:
    """The planted world: a git workspace with victims and traps, a secret outside it."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.ws = root / "ws"
        self.out = root / "outside"
        self.home = root / "home"
        self.token = "CANARY-OUT-" + os.urandom(6).hex()
        for d in [self.ws, self.out, self.home]:
            d.mkdir()
        (self.out / "secret.txt").write_text(self.token + "\n")
        # A directory outside the workspace anyone may write to: only contain can stop a write there.
        self.outw = root / "outside-writable"
        self.outw.mkdir()
        os.chmod(self.outw, 0o777)

        ws = self.ws
        for p in PAYLOADS:
            (ws / f"victim-{p['id']}").write_text("victim\n")
        (ws / "README.txt").write_text("hello from the workspace\n")
        (ws / "bin").mkdir()
        shutil.copy2("/usr/bin/rm", ws / "bin" / "ls")
        (ws / "evil.sh").write_text('touch "pwned-$1"\n')
        (ws / "extracted-argv-tar").write_text("from the archive\n")
        with tarfile.open(ws / "planted.tar", "w") as tar:
            tar.add(ws / "extracted-argv-tar", arcname="extracted-argv-tar")
        (ws / "extracted-argv-tar").unlink()
        git = ["git", "-C", str(ws), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["config", "user.name", "t"], check=True)
        subprocess.run(git + ["config", "user.email", "t@example.invalid"], check=True)
        subprocess.run(git + ["config", "alias.lga", "!touch pwned-argv-git-alias"], check=True)
        subprocess.run(git + ["config", "alias.lgs", "!touch pwned-sh-git-alias"], check=True)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "initial"], check=True)
        for p in PAYLOADS:
            (ws / f"untracked-{p['id']}").write_text("untracked\n")
        for dirpath, dirnames, filenames in os.walk(ws):
            for n in [dirpath, *[os.path.join(dirpath, f) for f in dirnames + filenames]]:
                os.lchown(n, UNPRIV_UID, UNPRIV_UID)
        for p in [root, self.out, self.home]:
            os.chmod(p, 0o755)

    def expand(self, value, pid):
        if isinstance(value, str):
            return value.replace("${ID}", pid).replace("${WS}", str(self.ws)).replace("${OUT}", str(self.out))
        return [self.expand(v, pid) for v in value]

    def target(self, p):
        kind, target = next(iter(p["damage"].items()))
        return kind, (self.ws / self.expand(target, p["id"]) if kind != "leak" else None)

    def before(self, p):
        kind, path = self.target(p)
        return path.read_bytes() if kind == "modifies" else None

    def damaged(self, p, resp, before):
        kind, path = self.target(p)
        if kind == "leak":
            return self.token in json.dumps(resp)
        if kind == "creates":
            return os.path.lexists(path)
        if kind == "deletes":
            return not os.path.lexists(path)
        return path.read_bytes() != before


@pytest.fixture
def scene():
    root = pathlib.Path(tempfile.mkdtemp(prefix="contain-shell-"))
    os.chmod(root, 0o755)
    yield Scene(root)
    shutil.rmtree(root, ignore_errors=True)


def server_env(scene):
    return {"PATH": "/usr/bin:/bin", "HOME": str(scene.home), "LANG": "C.UTF-8", "ALLOW_COMMANDS": ALLOW_COMMANDS,
            "ALLOW_PATTERNS": ".*"}


def shell_server(venv):
    return [venv("shell", "mcp-shell-server")]


def string_server(venv):
    return [venv("shell", "python"), str(STRING_SERVER)]


def noshell_server(venv):
    return string_server(venv) + ["--no-shell"]


def servers(venv):
    return [(shell_server(venv), ARGV, "argv"), (string_server(venv), SHELL, "shell"),
            (noshell_server(venv), NOSHELL, "noshell")]


def start(argv, scene):
    d = Driver(argv, env=server_env(scene), cwd=str(scene.ws))
    try:
        d.initialize()
    except (EOFError, TimeoutError) as e:
        rc, err = d.close()
        raise AssertionError(f"{argv} did not start (exit {rc}): {e}\n{err[-3000:]}") from None
    return d


def call(d, scene, p):
    args = {"command": scene.expand(p["command"], p["id"])}
    if p["tool"] == "shell_execute":
        args["directory"] = str(scene.ws)
    return d.call(p["tool"], args)


def run_corpus(argv, scene, payloads):
    d = start(argv, scene)
    results = {}
    for p in payloads:
        before = scene.before(p)
        resp = call(d, scene, p)
        results[p["id"]] = (resp, scene.damaged(p, resp, before))
    rc, err = d.close()
    return results, rc, err


def test_bare_servers_let_every_payload_do_damage(scene, venv):
    """Proves the payloads are real: each one does its damage when nothing but the server stands in the way."""
    harmless = []
    for server, payloads, _ in servers(venv):
        results, _, err = run_corpus(SETPRIV + server, scene, payloads)
        harmless += [f"{pid}: {result_text(r)[:200]}" for pid, (r, damaged) in results.items() if not damaged]
    assert not harmless, "payloads that did no damage bare (fix the corpus):\n" + "\n".join(harmless)


def contained(contain, profile, scene, server, audit=None):
    argv = [contain, "run", "--profile", str(profile), "--workspace", str(scene.ws)]
    if audit:
        argv += ["--audit", str(audit)]
    return argv + ["--", *server]


def shell_profile_with_server(tmp_path_factory, drop_mcp=False):
    """profiles/shell.yaml plus read access to the string server's directory (it is not in the server's runtime)."""
    prof = yaml.safe_load((REPO / "profiles" / "shell.yaml").read_text())
    prof.setdefault("environment", {}).setdefault("filesystem", {})["read"] = [str(STRING_SERVER.parent)]
    if drop_mcp:
        del prof["mcp"]
    path = tmp_path_factory.mktemp("profile") / ("shell-envonly.yaml" if drop_mcp else "shell-test.yaml")
    path.write_text(yaml.safe_dump(prof))
    return path


def test_contain_blocks_every_payload(scene, venv, contain, tmp_path_factory):
    profile = shell_profile_with_server(tmp_path_factory)
    failures = []
    for server, payloads, name in servers(venv):
        audit = tmp_path_factory.mktemp("audit") / f"{name}.jsonl"
        results, _, err = run_corpus(contained(contain, profile, scene, server, audit), scene, payloads)
        for pid, (resp, damaged) in results.items():
            text = result_text(resp)
            if damaged:
                failures.append(f"{pid}: DAMAGE: {text[:300]}")
            elif not is_blocked(resp):
                failures.append(f"{pid}: not refused by the transport wall: {text[:300]}")
            elif not text.startswith("Blocked by contain: shell.commands: "):
                failures.append(f"{pid}: refused by another rule: {text[:300]}")
            elif "command:" not in text:
                failures.append(f"{pid}: the refusal does not show the parsed command: {text[:300]}")
        events = [json.loads(line) for line in audit.read_text().splitlines() if line.strip()]
        audited = [e for e in events if e.get("wall") == "transport" and e.get("verdict") == "blocked"
                   and e.get("rule") == "shell.commands"]
        # The audit log writes at most AUDIT_LINES_PER_KEY lines per (wall, rule, ...) key, then only counts.
        if len(audited) < min(len(payloads), AUDIT_LINES_PER_KEY):
            failures.append(f"{name}: {len(audited)} audited refusals for {len(payloads)} payloads")
        for e in audited:
            if "command:" not in e.get("detail", ""):
                failures.append(f"{name}: audit record without the parsed command: {e}")
        if failures:
            failures.append(err[-2000:])
    assert not failures, "\n".join(failures)


def test_denials_name_the_command_the_option_and_the_rule(scene, venv, contain, tmp_path_factory):
    profile = shell_profile_with_server(tmp_path_factory)
    d = start(contained(contain, profile, scene, shell_server(venv)), scene)
    try:
        cases = {
            ("rm", "x"): 'Blocked by contain: shell.commands: "rm" is not an allowed command (denied by this rule); command: rm x',
            ("find", ".", "-exec", "id", "+"): "Blocked by contain: shell.commands: find option -exec runs commands",
            ("git", "-c", "core.pager=id", "log"): "Blocked by contain: shell.commands: git option -c sets configuration",
            ("base64", "x"): 'Blocked by contain: shell.commands: "base64" is not an allowed command; command: base64 x',
        }
        for argv, expected in cases.items():
            text = result_text(d.call("shell_execute", {"command": list(argv), "directory": str(scene.ws)}))
            assert text.startswith(expected), (argv, text)
    finally:
        d.close()


def test_allowed_commands_work_under_contain(scene, venv, contain, tmp_path_factory):
    """The profile is useful: read-mostly commands run, in both forms."""
    profile = shell_profile_with_server(tmp_path_factory)
    d = start(contained(contain, profile, scene, shell_server(venv)), scene)
    try:
        for argv, expect in [(["ls"], "README.txt"), (["cat", "README.txt"], "hello from the workspace"),
                             (["git", "log", "--oneline"], "initial"), (["git", "status", "--short"], "untracked-"),
                             (["grep", "-c", "hello", "README.txt"], "1"), (["ls", "|", "wc", "-l"], ""),
                             (["find", ".", "-name", "README.txt"], "./README.txt"), (["true"], ""),
                             (["/usr/bin/head", "-n1", "README.txt"], "hello")]:
            resp = d.call("shell_execute", {"command": argv, "directory": str(scene.ws)})
            assert not is_blocked(resp) and expect in result_text(resp), (argv, result_text(resp)[:500])
    finally:
        d.close()
    d = start(contained(contain, profile, scene, string_server(venv)), scene)
    try:
        for s, expect in [("ls | grep README", "README.txt"), ("cat 'README.txt'", "hello"),
                          ("git log --oneline && echo done", "done"), ("sed -n 's/hello/HI/p' README.txt", "HI from"),
                          ("awk '{print $1}' README.txt", "hello"), ("timeout 10 cat README.txt", "hello")]:
            resp = d.call("execute_command", {"command": s})
            assert not is_blocked(resp) and expect in result_text(resp), (s, result_text(resp)[:500])
    finally:
        d.close()


class Listener:
    """A TCP listener on the host's loopback that counts connections (the sandbox must never reach it)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.sock.close()


def test_environment_wall_alone_stops_reads_writes_and_network(scene, venv, contain, tmp_path_factory):
    """The transport rule removed: allowed-looking commands that reach outside the workspace meet the kernel."""
    listener = Listener()
    (scene.ws / "mnt").mkdir()
    os.chown(scene.ws / "mnt", UNPRIV_UID, UNPRIV_UID)
    probes = [
        ("read", ["cat", str(scene.out / "secret.txt")]),
        ("write", ["touch", str(scene.outw / "pwned-envwall")]),
        ("network", ["git", "ls-remote", f"http://127.0.0.1:{listener.port}/repo"]),
        ("mount", ["mount", "-t", "tmpfs", "none", str(scene.ws / "mnt")]),
    ]

    def damage():
        return {"read": None, "write": (scene.outw / "pwned-envwall").exists(), "network": listener.connections > 0}

    def run(argv):
        d = start(argv, scene)
        out = {}
        for name, cmd in probes:
            out[name] = result_text(d.call("shell_execute", {"command": cmd, "directory": str(scene.ws)}))
        rc, err = d.close()
        return out, err

    try:
        bare, _ = run(SETPRIV + shell_server(venv))
        assert scene.token in bare["read"], bare["read"]
        assert damage()["write"] and damage()["network"], bare
        (scene.outw / "pwned-envwall").unlink()
        listener.connections = 0

        profile = shell_profile_with_server(tmp_path_factory, drop_mcp=True)
        audit = tmp_path_factory.mktemp("audit") / "envonly.jsonl"
        boxed, err = run(contained(contain, profile, scene, shell_server(venv), audit))
        assert scene.token not in boxed["read"], boxed["read"]
        assert not any(is_blocked({"result": {"isError": True, "content": [{"type": "text", "text": t}]}})
                       for t in boxed.values()), "the transport wall was supposed to be off"
        state = damage()
        assert not state["write"], boxed["write"]
        assert not state["network"], boxed["network"]
        events = [json.loads(line) for line in audit.read_text().splitlines() if line.strip()]
        syscalls = [e for e in events if e.get("wall") == "environment" and e.get("event") == "syscall"]
        assert any(e.get("syscall") == "mount" for e in syscalls), (syscalls, err[-2000:])
        assert "mount" in err, err[-2000:]
    finally:
        listener.close()


def test_planted_git_config_is_bounded_by_the_environment_wall(scene, venv, contain, tmp_path_factory):
    """`git diff` is allowed, and a repository configuration planted in the workspace makes it run a command
    (diff.external). The transport wall cannot see configuration (see docs/shell-commands.md, Limits); the
    command then runs inside the environment wall: it cannot read the secret outside the workspace nor write
    outside it."""
    outside_canary = scene.outw / "pwned-extdiff"
    with open(scene.ws / ".git" / "config", "a") as f:
        f.write('[diff]\n\texternal = "cat %s; touch %s; true"\n' % (scene.out / "secret.txt", outside_canary))
    (scene.ws / "README.txt").write_text("changed\n")
    argv = ["git", "diff"]

    d = start(SETPRIV + shell_server(venv), scene)
    try:
        bare = d.call("shell_execute", {"command": argv, "directory": str(scene.ws)})
    finally:
        d.close()
    assert outside_canary.exists() and scene.token in result_text(bare), "bare: diff.external did not run (fix the test)"
    outside_canary.unlink()

    profile = shell_profile_with_server(tmp_path_factory)
    d = start(contained(contain, profile, scene, shell_server(venv)), scene)
    try:
        resp = d.call("shell_execute", {"command": argv, "directory": str(scene.ws)})
    finally:
        d.close()
    assert not is_blocked(resp), result_text(resp)
    assert scene.token not in json.dumps(resp), result_text(resp)
    assert not outside_canary.exists()


def test_contain_blocks_the_corpus_when_run_by_an_ordinary_user(scene, venv, unpriv_contain):
    """Most users are not root: the same corpus, with contain itself running as the unprivileged uid."""
    prof = yaml.safe_load((REPO / "profiles" / "shell.yaml").read_text())
    prof.setdefault("environment", {}).setdefault("filesystem", {})["read"] = [str(STRING_SERVER.parent)]
    # Everything contain reads or writes must be reachable by that uid (pytest's own temp dirs are 0700 root).
    profile = scene.root / "shell-unpriv.yaml"
    profile.write_text(yaml.safe_dump(prof))
    os.chmod(profile, 0o644)
    failures = []
    for server, payloads, name in servers(venv):
        results, _, err = run_corpus(SETPRIV + contained(unpriv_contain, profile, scene, server), scene, payloads)
        for pid, (resp, damaged) in results.items():
            if damaged or not result_text(resp).startswith("Blocked by contain: shell.commands: "):
                failures.append(f"{pid}: damaged={damaged}: {result_text(resp)[:300]}")
        if failures:
            failures.append(err[-2000:])
    assert not failures, "\n".join(failures)
