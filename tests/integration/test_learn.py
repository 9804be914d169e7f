"""`contain learn` through the built binary: learn a profile from a real run, then close the loop: the same
workload under the learned profile runs with nothing blocked, and an action the learning run never did is
blocked and reported. Learned on a real MCP server from PyPI (mcp-shell-server, driven over stdio), a static
binary and a multithreaded program; the learned profiles never contain contain's own setup syscalls."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest
import yaml

from conftest import UNPRIV_UID, run
from mcpdriver import Driver, is_blocked, result_text

# contain's own setup happens before the filter exists; none of it may show up in a learned profile.
SETUP_SYSCALLS = ["pivot_root", "mount", "umount2", "landlock_create_ruleset", "landlock_add_rule",
                  "landlock_restrict_self", "seccomp", "unshare", "setns", "capset", "prctl", "sethostname",
                  "pidfd_getfd", "clone"]

SHELL_WORK = [["ls", "-la"], ["cat", "README.txt"], ["git", "status"], ["ls", "|", "grep", "README"],
              ["wc", "-l", "README.txt"]]


def learned_syscalls(profile: dict) -> set:
    return set(profile["environment"]["syscalls"]["allow"])


def shell_session(argv, ws, calls, env=None):
    d = Driver(argv, cwd=str(ws), env=env)
    try:
        d.initialize()
    except (EOFError, TimeoutError) as e:
        rc, err = d.close()
        raise AssertionError(f"{e}; exit {rc}; stderr:\n{err}")
    tools = [t["name"] for t in d.list_tools()]
    results = []
    for cmd, directory in calls:
        results.append(d.call("shell_execute", {"command": cmd, "directory": directory}))
    rc, err = d.close()
    return tools, results, rc, err


@pytest.fixture
def shell_profile(contain, venv, workspace, tmp_path):
    """A profile learned from mcp-shell-server doing SHELL_WORK in the workspace."""
    out = tmp_path / "shell-learned.yaml"
    server = venv("shell", "mcp-shell-server")
    tools, results, rc, err = shell_session(
        [contain, "learn", "--output", str(out), "--workspace", str(workspace),
         "--env", "ALLOW_COMMANDS=ls,cat,git,grep,wc", "--", server],
        workspace, [(c, str(workspace)) for c in SHELL_WORK])
    assert rc == 0, err
    assert tools == ["shell_execute"]
    assert not any(is_blocked(r) for r in results), results
    assert "contain learn: wrote" in err, err
    return out, [result_text(r) for r in results], err


def test_learned_shell_profile_passes_check_and_reads_as_intended(contain, shell_profile, workspace):
    out, _, err = shell_profile
    r = run([contain, "check", str(out)])
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    text = out.read_text()
    p = yaml.safe_load(text)
    fs = p["environment"]["filesystem"]
    everything = fs.get("read", []) + fs.get("execute", []) + fs.get("write", [])
    # Collapsed, never broader than needed; the workspace as a variable.
    assert "${WORKSPACE}" in everything
    assert not {"/", "/usr", "/usr/lib", "/etc", "/home", "/root", "${HOME}"} & set(everything), everything
    assert any(e.startswith("/usr/lib/python3") for e in fs["execute"]), fs
    assert "/usr/bin/ls" in fs["execute"] and "/usr/bin/git" in fs["execute"]
    assert p["environment"]["network"] == "none"
    assert p["environment"]["env"]["set"]["ALLOW_COMMANDS"] == "ls,cat,git,grep,wc"
    # The transport wall: the tool used, the commands and subcommands seen, the pipe used, paths as globs.
    m = p["mcp"]
    assert m["tools"] == {"default": "deny", "allow": ["shell_execute"]}
    rule = m["commands"][0]
    assert set(rule["allow"]) == {"ls", "cat", "git", "grep", "wc"}
    assert rule["allow"]["git"] == {"subcommands": ["status"]}
    assert m["paths"][0]["allow"] == ["${WORKSPACE}/**"]
    # Comments say where entries came from; the report says what to review.
    assert "# seen:" in text and "openat" in text
    assert "seen syscalls:" in err and "review:" in err


def test_learned_profile_has_none_of_contains_setup_syscalls(shell_profile):
    out, _, _ = shell_profile
    allowed = learned_syscalls(yaml.safe_load(out.read_text()))
    # clone may appear only as the fallback of clone3 (comment says so), never because the launcher used it.
    text = out.read_text()
    for s in SETUP_SYSCALLS:
        if s == "clone" and "clone   # fallback of clone3" in text:
            continue
        assert s not in allowed, (s, allowed)


def without_times(text):
    return re.sub(r"[A-Z][a-z]{2} +\d+ +(\d\d:\d\d|\d{4}) ", "<time> ", text)


def test_same_workload_under_learned_profile_is_not_blocked(contain, venv, workspace, shell_profile):
    out, learned_texts, _ = shell_profile
    server = venv("shell", "mcp-shell-server")
    tools, results, rc, err = shell_session(
        [contain, "run", "--profile", str(out), "--workspace", str(workspace), "--", server],
        workspace, [(c, str(workspace)) for c in SHELL_WORK])
    assert rc == 0, err
    assert tools == ["shell_execute"]
    assert not any(is_blocked(r) for r in results), [result_text(r) for r in results]
    # Same outputs, except `ls -la` times: the sandbox's parent directories are made afresh on each run, and
    # the two runs can straddle a minute.
    assert [without_times(result_text(r)) for r in results] == [without_times(t) for t in learned_texts]
    assert "blocked" not in err, err


def test_actions_outside_the_learning_run_are_blocked_and_reported(contain, venv, workspace, shell_profile, secret):
    out, _, _ = shell_profile
    server = venv("shell", "mcp-shell-server")
    secret_path, token = secret
    calls = [(["id"], str(workspace)),                       # a command never run while learning
             (["git", "log"], str(workspace)),               # a subcommand never used
             (["cat", "README.txt"], "/etc"),                # a directory outside the learned paths
             (["cat", str(secret_path)], str(workspace))]    # a file outside the learned view
    tools, results, rc, err = shell_session(
        [contain, "run", "--profile", str(out), "--workspace", str(workspace), "--", server], workspace, calls)
    texts = [result_text(r) for r in results]
    assert is_blocked(results[0]) and '"id" is not an allowed command' in texts[0], texts
    assert is_blocked(results[1]) and "subcommand 'log' is not allowed" in texts[1], texts
    assert is_blocked(results[2]), texts
    # The command rule allows cat; the environment wall is what keeps the secret out of reach.
    assert token not in texts[3], texts
    assert "blocked" in err and "learned.shell_execute.commands" in err, err


def test_learn_from_base_merges_and_shows_a_diff(contain, venv, workspace, tmp_path, repo):
    base = tmp_path / "base.yaml"
    base.write_text(
        "version: 1\n"
        "environment:\n"
        "  filesystem:\n"
        "    deny: [\"${HOME}/.ssh\"]\n"
        "  syscalls:\n"
        "    default: deny\n"
        "    allow: [read, write]\n"
        "mcp:\n"
        "  tools: { default: deny, allow: [shell_execute] }\n"
        "  commands:\n"
        "    - id: base.commands\n"
        "      tools: [shell_execute]\n"
        "      argument: command\n"
        "      allow: { ls: {} }\n"
        "      deny: [cat]\n")
    out = tmp_path / "merged.yaml"
    server = venv("shell", "mcp-shell-server")
    _, results, rc, err = shell_session(
        [contain, "learn", "--output", str(out), "--from", str(base), "--workspace", str(workspace),
         "--env", "ALLOW_COMMANDS=ls,cat,wc", "--", server],
        workspace, [(["ls"], str(workspace)), (["cat", "README.txt"], str(workspace)), (["wc", "README.txt"], str(workspace))])
    assert rc == 0, err
    assert "--- " + str(base) in err and "+++ " + str(out) in err, err
    assert "+        wc: {}" in err, err
    assert "the workload ran cat, which the base rule base.commands denies: kept denied" in err, err
    r = run([contain, "check", str(out)])
    assert r.returncode == 0, r.stderr.decode()
    p = yaml.safe_load(out.read_text())
    rule = p["mcp"]["commands"][0]
    assert rule["id"] == "base.commands" and set(rule["allow"]) == {"ls", "wc"} and rule["deny"] == ["cat"]
    assert p["environment"]["filesystem"]["deny"] == ["${HOME}/.ssh"]


PROGRAM_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *dir;

static void *work(void *arg) {
    char path[4096], buf[64];
    snprintf(path, sizeof path, "%s/out-%ld.txt", dir, (long)arg);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { perror("open"); return (void *)1; }
    int n = snprintf(buf, sizeof buf, "thread %ld\n", (long)arg);
    if (write(fd, buf, n) != n) return (void *)1;
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    dir = argv[1];
    int threads = argc > 2 ? atoi(argv[2]) : 0;
    struct utsname u;
    uname(&u);
    char in[4096];
    snprintf(in, sizeof in, "%s/README.txt", dir);
    int fd = open(in, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { perror("open input"); return 2; }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 3;
    if (threads > 0) {
        pthread_t t[16];
        for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, work, (void *)i);
        for (long i = 0; i < threads; i++) { void *r; pthread_join(t[i], &r); if (r) return 4; }
    } else {
        work((void *)0);
    }
    if (argc > 3 && !strcmp(argv[3], "extra")) {
        /* Never done while learning: a socket (and a directory). */
        int s = socket(AF_INET, SOCK_STREAM, 0);
        printf("socket %s\n", s < 0 ? "refused" : "allowed");
        printf("mkdir %s\n", mkdir(in, 0700) == 0 ? "allowed" : "refused");
    }
    printf("ok %d\n", threads);
    return 0;
}
"""


def build_program(tmp_path, static):
    d = tmp_path / ("static" if static else "threads")
    d.mkdir()
    os.chmod(d, 0o755)
    src = d / "p.c"
    src.write_text(PROGRAM_C.replace("#include <unistd.h>", "#include <unistd.h>\n#include <stdlib.h>\n#include <sys/stat.h>"))
    exe = d / "p"
    cmd = ["gcc", "-O1", "-pthread", "-o", str(exe), str(src)]
    if static:
        cmd.insert(1, "-static")
    subprocess.run(cmd, check=True)
    os.chmod(exe, 0o755)
    return str(exe)


@pytest.mark.parametrize("static,threads", [(True, 0), (True, 4), (False, 8)])
def test_learn_program_then_rerun_and_refuse_the_extra(contain, workspace, tmp_path, static, threads):
    exe = build_program(tmp_path, static)
    out = tmp_path / "prog.yaml"
    r = run([contain, "learn", "--output", str(out), "--workspace", str(workspace), "--no-mcp", "--",
             exe, str(workspace), str(threads)])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == f"ok {threads}"
    assert run([contain, "check", str(out)]).returncode == 0
    p = yaml.safe_load(out.read_text())
    assert "mcp" not in p
    allowed = learned_syscalls(p)
    assert "openat" in allowed and "uname" in allowed
    for s in SETUP_SYSCALLS:
        if s == "clone" and threads and not static:
            continue  # glibc's pthread_create falls back to clone under the enforcing filter
        if s == "clone" and threads:
            continue
        assert s not in allowed, (s, allowed)
    if threads:
        assert "clone3" in allowed or "clone" in allowed
    # The same run under the learned profile: same output, nothing blocked.
    r = run([contain, "run", "--profile", str(out), "--workspace", str(workspace), "--", exe, str(workspace), str(threads)])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == f"ok {threads}"
    assert "blocked" not in r.stderr.decode(), r.stderr.decode()
    # Something the learning run never did: refused and reported.
    r = run([contain, "run", "--profile", str(out), "--workspace", str(workspace), "--", exe, str(workspace), str(threads), "extra"])
    lines = r.stdout.decode().split("\n")
    assert "socket refused" in lines, r.stdout.decode()
    assert "mkdir refused" in lines, r.stdout.decode()
    err = r.stderr.decode()
    assert "blocked" in err and "socket" in err, err


def fs_session(argv, ws, calls):
    d = Driver(argv, cwd=str(ws))
    try:
        d.initialize()
    except (EOFError, TimeoutError) as e:
        rc, err = d.close()
        raise AssertionError(f"{e}; exit {rc}; stderr:\n{err}")
    tools = sorted(t["name"] for t in d.list_tools())
    results = [d.call(name, args) for name, args in calls]
    rc, err = d.close()
    return tools, results, rc, err


def test_learn_filesystem_server_then_rerun(contain, venv, workspace, tmp_path, secret):
    """filesystem-mcp (PyPI): the tools used share one path rule; an unused tool disappears from tools/list;
    a path outside the learned ones is blocked and reported."""
    server = venv("fs", "filesystem-mcp")
    (workspace / "sub").mkdir()
    (workspace / "sub" / "b.txt").write_text("bee\n")
    for p in [workspace / "sub", workspace / "sub" / "b.txt"]:
        os.chown(p, UNPRIV_UID, UNPRIV_UID)
    work = [("list_directory", {"path": str(workspace)}), ("read_file", {"path": str(workspace / "README.txt")}),
            ("write_file", {"path": str(workspace / "out.txt"), "content": "written\n"}),
            ("read_file", {"path": str(workspace / "sub" / "b.txt")})]
    out = tmp_path / "fs.yaml"
    tools, learned, rc, err = fs_session([contain, "learn", "--output", str(out), "--workspace", str(workspace), "--",
                                          server, str(workspace)], workspace, work)
    assert rc == 0, err
    assert "list_allowed_directories" in tools
    assert "wrote to ${WORKSPACE}: kept read-write" in err, err
    assert run([contain, "check", str(out)]).returncode == 0
    p = yaml.safe_load(out.read_text())
    assert p["environment"]["filesystem"]["write"] == ["${WORKSPACE}"]
    assert p["mcp"]["tools"]["allow"] == ["list_directory", "read_file", "write_file"]
    assert p["mcp"]["paths"] == [{"id": "learned.paths", "tools": ["list_directory", "read_file", "write_file"],
                                  "allow": ["${WORKSPACE}/**"]}]
    (workspace / "out.txt").unlink()

    secret_path, token = secret
    tools, results, rc, err = fs_session(
        [contain, "run", "--profile", str(out), "--workspace", str(workspace), "--", server, str(workspace)], workspace,
        work + [("read_file", {"path": str(secret_path)}), ("list_allowed_directories", {})])
    assert rc == 0, err
    assert tools == ["list_directory", "read_file", "write_file"]
    assert [result_text(r) for r in results[:4]] == [result_text(r) for r in learned]
    assert is_blocked(results[4]) and token not in result_text(results[4])
    assert is_blocked(results[5]) and "list_allowed_directories" in result_text(results[5])
    assert "learned.paths" in err and "tools.default" in err, err


@pytest.fixture
def world_tmp():
    """A directory uid 65534 can reach (pytest's tmp_path lives under a 0700 directory)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="contain-learn-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_learn_as_an_unprivileged_user(unpriv_contain, world_tmp):
    """Learning needs no privilege: the same loop, started as uid 65534."""
    from conftest import SETPRIV
    ws = world_tmp / "ws"
    ws.mkdir()
    (ws / "README.txt").write_text("a file in the workspace\n")
    exe = build_program(world_tmp, static=False)
    for d, _, files in os.walk(world_tmp):
        os.chown(d, UNPRIV_UID, UNPRIV_UID)
        for f in files:
            os.chown(os.path.join(d, f), UNPRIV_UID, UNPRIV_UID)
    out = world_tmp / "p.yaml"
    r = run([*SETPRIV, unpriv_contain, "learn", "--output", str(out), "--workspace", str(ws), "--no-mcp", "--",
             exe, str(ws), "2"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().strip() == "ok 2"
    assert run([unpriv_contain, "check", str(out)]).returncode == 0
    r = run([*SETPRIV, unpriv_contain, "run", "--profile", str(out), "--workspace", str(ws), "--",
             exe, str(ws), "2"])
    assert r.returncode == 0 and r.stdout.decode().strip() == "ok 2", r.stderr.decode()
    assert "blocked" not in r.stderr.decode()


def test_learn_kubectl_through_a_shell_server_network_and_namespaces(contain, venv, world_tmp):
    """mcp-shell-server running kubectl against a stub API server on 127.0.0.1: learning finds the destination
    (brokered under enforcement) and the namespaces; another namespace is then refused before kubectl runs."""
    from k8s_stub import K8sStub, write_kubeconfig
    stub = K8sStub().start()
    # Outside /tmp: the sandbox's /tmp is private, so a kubeconfig there is invisible while learning too.
    conf_dir = pathlib.Path(tempfile.mkdtemp(prefix="contain-learn-kube-", dir="/var/tmp"))
    try:
        ws = world_tmp / "ws"
        (ws / "home").mkdir(parents=True)
        os.chmod(conf_dir, 0o755)
        kubeconfig = conf_dir / "config"
        write_kubeconfig(str(kubeconfig), stub.url, namespace="dev")
        os.chmod(kubeconfig, 0o644)
        for d, _, files in os.walk(ws):
            os.chown(d, UNPRIV_UID, UNPRIV_UID)
        out = world_tmp / "kube.yaml"
        env = ["--env", "ALLOW_COMMANDS=kubectl", "--env", f"KUBECONFIG={kubeconfig}", "--env", f"HOME={ws}/home",
               "--env", "MCP_SHELL_CHILD_ENV_ALLOWLIST=KUBECONFIG,HOME"]
        work = [(["kubectl", "get", "pods", "-n", "dev", "-o", "json"], str(ws)),
                (["kubectl", "get", "pods", "-n", "staging", "-o", "json"], str(ws))]
        server = venv("shell", "mcp-shell-server")
        _, learned, rc, err = shell_session([contain, "learn", "--output", str(out), "--workspace", str(ws), *env,
                                             "--", server], ws, work)
        assert rc == 0, err
        assert all('"kind": "Pod"' in result_text(r) for r in learned), [result_text(r)[:300] for r in learned]
        assert run([contain, "check", str(out)]).returncode == 0
        p = yaml.safe_load(out.read_text())
        assert p["environment"]["network"] == {"allow": [f"127.0.0.1:{stub.port}"]}
        assert str(kubeconfig) in p["environment"]["filesystem"]["read"]
        k = p["mcp"]["kubernetes"][0]
        assert k["tools"] == ["shell_execute"] and k["namespaces"] == ["dev", "staging"]
        assert p["mcp"]["commands"][0]["allow"]["kubectl"] == {"subcommands": ["get"]}

        stub.reset()
        audit = world_tmp / "run.audit"
        _, results, rc, err = shell_session(
            [contain, "run", "--profile", str(out), "--workspace", str(ws), "--audit", str(audit), "--", server], ws,
            work + [(["kubectl", "get", "pods", "-n", "prod", "-o", "json"], str(ws)),
                    (["kubectl", "delete", "pods", "--all", "-n", "dev"], str(ws))])
        assert rc == 0, err
        assert [result_text(r) for r in results[:2]] == [result_text(r) for r in learned], \
            err + (audit.read_text()[-3000:] if audit.exists() else "")
        assert is_blocked(results[2]) and is_blocked(results[3]), [result_text(r) for r in results]
        assert stub.touched() == {"dev", "staging"}
        assert "learned.kubernetes" in err or "learned.shell_execute.commands" in err, err
    finally:
        stub.stop()
        shutil.rmtree(conf_dir, ignore_errors=True)


def test_learn_write_dir_is_kept_read_write(contain, world_tmp):
    """--write DIR: a cache outside the workspace the workload writes to is kept read-write; the re-run
    writes there again, and a write elsewhere is still refused."""
    ws, cache, other = world_tmp / "ws", world_tmp / "cache", world_tmp / "other"
    for d in (ws, cache, other):
        d.mkdir()
        os.chown(d, UNPRIV_UID, UNPRIV_UID)
    out = world_tmp / "w.yaml"
    script = f"echo one > {cache}/entry && cat {cache}/entry"
    r = run([contain, "learn", "--output", str(out), "--workspace", str(ws), "--write", str(cache), "--no-mcp", "--",
             "/usr/bin/dash", "-c", script])
    assert r.returncode == 0 and r.stdout == b"one\n", r.stderr.decode()
    assert f"wrote to {cache}: kept read-write" in r.stderr.decode()
    p = yaml.safe_load(out.read_text())
    assert str(cache) in p["environment"]["filesystem"]["write"]
    (cache / "entry").unlink()
    r = run([contain, "run", "--profile", str(out), "--workspace", str(ws), "--", "/usr/bin/dash", "-c", script])
    assert r.returncode == 0 and r.stdout == b"one\n", r.stderr.decode()
    r = run([contain, "run", "--profile", str(out), "--workspace", str(ws), "--", "/usr/bin/dash", "-c",
             f"echo two > {other}/entry"])
    assert r.returncode != 0 and not (other / "entry").exists()
