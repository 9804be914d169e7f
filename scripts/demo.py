"""The demo behind `scripts/demo`: see the README. Prints what an MCP client sees, then contain's report."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from sdkclient import run_calls  # noqa: E402

CONTAIN = str(REPO / ".build" / "release" / "contain")
SERVER = str(REPO / ".venv-shell" / "bin" / "mcp-shell-server")
BOLD, DIM, RED, GREEN, RESET = ("\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m") if sys.stdout.isatty() else ("",) * 5


def banner(text):
    print(f"\n{BOLD}== {text}{RESET}")


def show(calls, results):
    for (tool, args), (text, is_error) in zip(calls, results):
        cmd = args.get("command")
        shown = " ".join(cmd) if isinstance(cmd, list) else cmd
        first = (text.strip().splitlines() or [""])[0][:150]
        mark = f"{RED}refused{RESET}" if is_error else f"{GREEN}ok{RESET}"
        print(f"  $ {shown:<58} {mark}  {DIM}{first}{RESET}")


def main():
    root = pathlib.Path(tempfile.mkdtemp(prefix="contain-demo-"))
    os.chmod(root, 0o755)
    ws = root / "project"
    ws.mkdir()
    (ws / "README.md").write_text("# demo project\nhello from the workspace\n")
    (ws / "notes.txt").write_text("line one\nline two\n")
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    secret = home / ".ssh" / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY----- DEMO-SECRET-TOKEN\n")
    if os.geteuid() == 0:
        # The server never holds host root: contain maps it to the workspace owner. Make the demo
        # workspace look like a user's own project.
        for p in [ws, *ws.iterdir()]:
            os.chown(p, 65534, 65534)
    report = root / "report.json"
    audit = root / "audit.jsonl"
    env = dict(os.environ, HOME=str(home))
    allow = "ls,cat,head,wc,grep,git,rm,curl,python3,sh"
    run = lambda profile: [CONTAIN, "run", "--profile", profile, "--workspace", str(ws), "--env", f"ALLOW_COMMANDS={allow}",
                           "--audit", str(audit), "--report", str(report), "--", SERVER]
    errlog = open(root / "server-stderr.log", "w")

    banner("1. contain run --profile shell -- mcp-shell-server   (both walls)")
    calls = [
        ("shell_execute", {"command": ["ls"], "directory": str(ws)}),
        ("shell_execute", {"command": ["cat", "README.md"], "directory": str(ws)}),
        ("shell_execute", {"command": ["wc", "-l", "notes.txt"], "directory": str(ws)}),
        ("shell_execute", {"command": ["rm", "-rf", str(ws)], "directory": str(ws)}),
        ("shell_execute", {"command": ["cat", str(secret)], "directory": str(ws)}),
        ("shell_execute", {"command": ["sh", "-c", f"cat {secret}"], "directory": str(ws)}),
        ("shell_execute", {"command": ["python3", "-c", "import os; os.system('id')"], "directory": str(ws)}),
    ]
    tools, results = run_calls(run("shell"), calls, env=env, errlog=errlog)
    show(calls, results)

    banner("2. the same attacks with the transport rule relaxed: the environment wall alone")
    relaxed = root / "relaxed.yaml"
    relaxed.write_text(f"version: 1\nextends: {REPO / 'profiles' / 'shell.yaml'}\n"
                       "mcp:\n  commands: []\n")
    calls = [
        ("shell_execute", {"command": ["cat", str(secret)], "directory": str(ws)}),
        ("shell_execute", {"command": ["rm", "-rf", "/usr/share/doc"], "directory": str(ws)}),
        ("shell_execute", {"command": ["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', 22), 2)"],
                           "directory": str(ws)}),
        ("shell_execute", {"command": ["python3", "-c", "import ctypes; l=ctypes.CDLL(None, use_errno=True); "
                                       "r=l.mount(b'none', b'/tmp', b'tmpfs', 0, None); print('mount:', r, ctypes.get_errno())"],
                           "directory": str(ws)}),
        ("shell_execute", {"command": ["ls", str(ws)], "directory": str(ws)}),
    ]
    tools, results = run_calls(run(str(relaxed)), calls, env=env, errlog=errlog)
    show(calls, results)
    errlog.close()

    banner("3. contain's report (--report JSON, last run)")
    data = json.loads(report.read_text())
    for e in data.get("events", []):
        what = e.get("what")
        args = " ".join(f"{k}={v}" for k, v in (e.get("args") or {}).items())
        print(f"  {e['wall']:<11} {e['verdict']:<8} {what:<16} x{e['count']:<3} rule={e['rule']}  {DIM}{args or e.get('detail', '')}{RESET}")
    print(f"\n  audit log: {audit}  ({sum(1 for _ in open(audit))} lines)   report: {report}")
    print(f"  the server's stderr (with contain's exit summary): {root / 'server-stderr.log'}")
    secret_leaked = any("DEMO-SECRET-TOKEN" in t for t, _ in results)
    print(f"\n  secret leaked: {RED + 'YES' + RESET if secret_leaked else GREEN + 'no' + RESET}")
    return 1 if secret_leaked else 0


if __name__ == "__main__":
    sys.exit(main())
