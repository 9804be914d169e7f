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

CONTAIN = os.environ.get("CONTAIN_BIN", str(REPO / ".build" / "release" / "contain"))
SERVER = str(REPO / ".venv-shell" / "bin" / "mcp-shell-server")
BOLD, DIM, RED, GREEN, RESET = ("\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m") if sys.stdout.isatty() else ("",) * 5


def banner(text):
    print(f"\n{BOLD}== {text}{RESET}")


def show(calls, results):
    for (tool, args), (text, is_error) in zip(calls, results):
        cmd = args.get("command")
        shown = " ".join(cmd) if isinstance(cmd, list) else cmd
        first = " | ".join(text.strip().splitlines())[:150]
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
    env = dict(os.environ, HOME=str(home))
    allow = "ls,cat,head,wc,grep,git,rm,python3,sh,mount,dmesg,chmod"
    run = lambda profile, tag: [CONTAIN, "run", "--profile", profile, "--workspace", str(ws), "--env", f"ALLOW_COMMANDS={allow}",
                                "--audit", str(root / f"audit-{tag}.jsonl"), "--report", str(root / f"report-{tag}.json"),
                                "--", SERVER]
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
    tools, results = run_calls(run("shell", "both-walls"), calls, env=env, errlog=errlog)
    show(calls, results)
    leaked = [t for t, _ in results]

    banner("2. the same attacks with the transport rule relaxed: the environment wall alone")
    relaxed = root / "relaxed.yaml"
    # Same rule id as the shipped profile's, so it replaces that rule: every command the attacker needs is
    # allowed and the built-in knowledge of dangerous options is off. Only the kernel stands in the way now.
    relaxed.write_text(f"""version: 1
extends: {REPO / 'profiles' / 'shell.yaml'}
mcp:
  commands:
    - id: shell.commands
      tools: [shell_execute]
      argument: command
      allow: {{ cat: {{}}, rm: {{}}, ls: {{}}, mount: {{}}, dmesg: {{}}, chmod: {{}} }}
      builtin_dangerous: false
""")
    calls = [
        ("shell_execute", {"command": ["cat", str(secret)], "directory": str(ws)}),
        ("shell_execute", {"command": ["rm", "-rf", "/usr/share/doc"], "directory": str(ws)}),
        ("shell_execute", {"command": ["mount", "-t", "tmpfs", "none", "/tmp"], "directory": str(ws)}),
        ("shell_execute", {"command": ["dmesg"], "directory": str(ws)}),
        ("shell_execute", {"command": ["chmod", "u+s", str(ws / "notes.txt")], "directory": str(ws)}),
        ("shell_execute", {"command": ["ls", str(home)], "directory": str(ws)}),
        ("shell_execute", {"command": ["ls", str(ws)], "directory": str(ws)}),
    ]
    tools, results = run_calls(run(str(relaxed), "environment-wall"), calls, env=env, errlog=errlog)
    show(calls, results)
    errlog.close()

    leaked += [t for t, _ in results]
    banner("3. contain's reports (--report JSON of each run; the exit summary went to the server's stderr)")
    for tag in ["both-walls", "environment-wall"]:
        data = json.loads((root / f"report-{tag}.json").read_text())
        print(f"  {BOLD}{tag}{RESET}: {data.get('blocked', 0)} blocked")
        for e in data.get("events", []):
            args = " ".join(f"{k}={v}" for k, v in (e.get("args") or {}).items())
            if e["wall"] == "transport":
                args = e.get("detail", "")
            print(f"    {e['wall']:<11} {e['verdict']:<8} {e.get('what', ''):<14} x{e['count']:<3} "
                  f"{DIM}{e.get('exe', '')} rule={e['rule']} {(args or e.get('detail', ''))[:110]}{RESET}")
    print(f"\n  audit logs, reports and the server's stderr: {root}")
    secret_leaked = any("DEMO-SECRET-TOKEN" in t for t in leaked)
    print(f"  secret leaked: {RED + 'YES' + RESET if secret_leaked else GREEN + 'no' + RESET}")
    return 1 if secret_leaked else 0


if __name__ == "__main__":
    sys.exit(main())
