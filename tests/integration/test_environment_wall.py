"""The environment wall against the real kernel, through the built `contain` binary.

Every attack in tests/probe/probe.c is attempted inside `contain run --profile base`, as root and as an
unprivileged uid (setpriv), and must be blocked. Then the lifecycle: exit statuses, signal forwarding,
no process outliving a SIGKILLed supervisor, clean errors, the scrubbed environment, no leaked fds,
runtime discovery of a venv, and a real Python MCP server answering `initialize` under base.yaml.

Paths are made world-traversable on purpose: when contain runs as root, uid 0 inside maps to an
unprivileged host uid (the workspace owner, or 65534), and pytest's own tmp_path lives under a 0700
directory that uid cannot enter.
"""
import json
import os
import pathlib
import pty
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from conftest import SETPRIV, UNPRIV_UID, REPO

PROBE_SRC = REPO / "tests" / "probe" / "probe.c"

# Every attempt the probe makes; each must print "NAME: blocked (...)".
ATTACKS = [
    "read_secret", "read_shadow", "write_outside", "write_etc", "rename_outside", "delete_outside",
    "hardlink_outside", "hardlink_secret", "symlink_escape", "symlink_proc_root", "open_by_handle_at",
    "proc1_root", "proc_outside_pid", "proc_outside_root", "ptrace_attach", "process_vm_readv",
    "kill_outside", "mount", "umount", "pivot_root", "chroot_escape", "unshare_userns", "clone_newuser",
    "unshare_mountns", "setns", "keyctl", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "dev_kmsg", "sys_write", "cgroup_write", "core_pattern_write", "module_load", "reboot",
    "settimeofday", "settimeofday_legacy", "modify_ldt", "tiocsti", "tiocsti_highbits", "tioclinux",
    "tioclinux_highbits", "x32_syscall", "int80_syscall", "raw_socket", "packet_socket", "vsock_socket",
    "tcp_connect", "setuid_exec", "setuid_create_open", "setuid_create_openat", "setuid_create_creat",
    "setuid_create_mknod", "setgid_create_openat", "fork_bomb", "memory_bomb",
]

MODES = ["root", "unprivileged"]


def world_dir(prefix):
    d = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(d, 0o755)
    return d


@pytest.fixture(scope="session")
def probe_bin():
    d = world_dir("contain-probe-")
    out = d / "probe"
    subprocess.run(["gcc", "-O1", "-Wall", "-o", str(out), str(PROBE_SRC)], check=True)
    os.chmod(out, 0o755)
    yield out
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def wall(tmp_path):
    """A world-traversable layout: ws/ (the workspace, owned by the unprivileged uid) and outside/secret."""
    root = world_dir("contain-wall-")
    ws = root / "ws"
    ws.mkdir()
    os.chown(ws, UNPRIV_UID, UNPRIV_UID)
    os.chmod(ws, 0o755)
    outside = root / "outside"
    outside.mkdir()
    os.chmod(outside, 0o755)
    token = "CANARY-SECRET-" + os.urandom(8).hex()
    secret = outside / "secret"
    secret.write_text(token + "\n")
    os.chmod(secret, 0o644)
    yield {"root": root, "ws": ws, "secret": secret, "token": token}
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sleeper():
    p = subprocess.Popen(["sleep", "600"])
    yield p
    p.kill()
    p.wait()


def contain_argv(contain, unpriv_contain, mode):
    return ([*SETPRIV, unpriv_contain] if mode == "unprivileged" else [contain])


def run_contain(argv, cwd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 180)
    return subprocess.run(argv, cwd=cwd, **kw)


@pytest.mark.parametrize("mode", MODES)
def test_every_attack_in_the_probe_is_blocked(contain, unpriv_contain, probe_bin, wall, sleeper, mode):
    ws = wall["ws"]
    probe = ws / "probe"
    shutil.copy(probe_bin, probe)
    os.chmod(probe, 0o755)
    # A setuid-root copy inside the (nosuid) workspace: executing it must not give any privilege.
    suid = ws / "probe-suid"
    shutil.copy(probe_bin, suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    report = wall["root"] / "report.json"
    report.touch()
    os.chmod(report, 0o666)
    hostname_before = pathlib.Path("/etc/hostname").read_bytes()

    # stdin is a terminal, so TIOCSTI/TIOCLINUX meet a real tty.
    master, slave = pty.openpty()
    try:
        r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                         "--workspace", str(ws), "--report", str(report), "--",
                         str(probe), "--secret", str(wall["secret"]), "--outside-pid", str(sleeper.pid),
                         "--suid", str(suid), "--ws", str(ws)], cwd=ws, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    assert "probe: done" in out, out + r.stderr.decode()
    lines = {l.split(":", 1)[0]: l for l in out.splitlines() if ":" in l}
    for name in ATTACKS:
        assert name in lines, f"the probe did not report {name}:\n{out}"
        assert ": blocked" in lines[name], f"escape: {lines[name]}"
    assert "ESCAPED" not in out
    assert wall["token"] not in out + r.stderr.decode()
    # The host is untouched.
    assert sleeper.poll() is None, "the outside process was killed from inside the sandbox"
    assert pathlib.Path("/etc/hostname").read_bytes() == hostname_before
    assert not pathlib.Path(str(wall["secret"]) + ".planted").exists()
    assert not pathlib.Path("/etc/contain-planted").exists()
    # Denied syscalls were reported (the seccomp suite checks the decoded arguments).
    data = json.loads(report.read_text())
    assert data["blocked"] > 0
    assert {"mount", "ptrace", "bpf"} <= {e["what"] for e in data["events"]}


@pytest.mark.parametrize("mode", MODES)
def test_exit_status_is_the_servers(contain, unpriv_contain, wall, mode):
    base = [*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base", "--workspace", str(wall["ws"]), "--"]
    assert run_contain([*base, "/bin/echo", "hi"], cwd=wall["ws"]).stdout == b"hi\n"
    assert run_contain([*base, "/bin/sh", "-c", "exit 7"], cwd=wall["ws"]).returncode == 7
    # Death by signal N is 128+N.
    assert run_contain([*base, "/bin/sh", "-c", "kill -TERM $$"], cwd=wall["ws"]).returncode == 128 + signal.SIGTERM


def ignore_sigchld():
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # inherited across execve, as a careless caller's would be


@pytest.mark.parametrize("mode", MODES)
def test_exit_status_survives_a_caller_that_ignores_sigchld(contain, unpriv_contain, wall, mode):
    """An ignored SIGCHLD is inherited across execve. If contain and the sandbox's init kept it, the kernel
    would reap the init's children (the server) and contain's own (the init) before anyone could wait for
    them, and the server's exit status would be lost: contain exited 0 for a server that exited 7."""
    base = [*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base", "--workspace", str(wall["ws"]), "--"]
    for script, want in [("sleep 0.1 & exit 7", 7), ("exit 0", 0), ("kill -TERM $$", 128 + signal.SIGTERM)]:
        r = run_contain([*base, "/bin/sh", "-c", script], cwd=wall["ws"], preexec_fn=ignore_sigchld)
        assert r.returncode == want, (script, r.returncode, r.stderr.decode())


def close_stdin_and_stdout():
    os.close(0)
    os.close(1)


@pytest.mark.parametrize("mode", MODES)
def test_a_caller_that_closed_stdin_and_stdout_gets_a_working_run(contain, unpriv_contain, wall, mode):
    """A closed descriptor 0 or 1 would hand its number to the first socket or pipe contain opens, and the
    server would get a launch pipe as its stdin or stdout. contain fills them with /dev/null before main,
    before it opens anything."""
    r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                     "--workspace", str(wall["ws"]), "--", "/bin/sh", "-c",
                     'echo "$(readlink /proc/$$/fd/0)" >&2; echo "$(readlink /proc/$$/fd/1)" >&2; exit 5'],
                    cwd=wall["ws"], capture_output=False, stdin=None, stdout=None, stderr=subprocess.PIPE,
                    preexec_fn=close_stdin_and_stdout)
    assert r.returncode == 5, r.stderr.decode()
    assert r.stderr.decode().splitlines()[:2] == ["/dev/null", "/dev/null"], r.stderr.decode()


@pytest.mark.parametrize("mode", MODES)
def test_missing_command_is_a_clean_error(contain, unpriv_contain, wall, mode):
    base = [*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base", "--workspace", str(wall["ws"]), "--"]
    r = run_contain([*base, "no-such-command-xyz"], cwd=wall["ws"])
    assert r.returncode == 127
    err = r.stderr.decode()
    assert "no-such-command-xyz" in err and "not found" in err
    assert "Traceback" not in err and "Fatal error" not in err
    r = run_contain([*base, str(wall["ws"] / "missing")], cwd=wall["ws"])
    assert r.returncode == 127
    notexec = wall["ws"] / "data.txt"
    notexec.write_text("not a program\n")
    r = run_contain([*base, str(notexec)], cwd=wall["ws"])
    assert r.returncode == 126, r.stderr.decode()


def test_failed_setup_step_is_named_with_a_fix(unpriv_contain, wall):
    """A read path the user running contain cannot reach cannot be bound; the error names the step."""
    hidden = world_dir("contain-hidden-")
    inner = hidden / "inner"
    inner.mkdir()
    os.chmod(hidden, 0o700)
    prof = wall["root"] / "p.yaml"
    prof.write_text(f"version: 1\nextends: base\nenvironment:\n  filesystem:\n    read: [\"{inner}\"]\n")
    os.chmod(prof, 0o644)
    try:
        r = run_contain([*SETPRIV, unpriv_contain, "run", "--profile", str(prof), "--workspace", str(wall["ws"]),
                         "--", "/bin/true"], cwd=wall["ws"])
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
    assert r.returncode == 125
    err = r.stderr.decode()
    assert f'contain: setup step "bind {inner}" failed: EACCES' in err, err
    assert "can reach it" in err


def test_root_run_binds_a_workspace_whose_parents_only_root_can_enter(contain, wall):
    """uid 0 inside is an unprivileged host uid, yet the workspace below a 0700 root directory is bound
    (cloned before the uid switch); the root-only parent itself stays out of the view."""
    hidden = world_dir("contain-rootonly-")
    ws = hidden / "ws"
    ws.mkdir()
    os.chown(ws, UNPRIV_UID, UNPRIV_UID)
    (hidden / "sibling-secret").write_text("root only\n")
    os.chmod(hidden, 0o700)
    try:
        r = run_contain([contain, "run", "--profile", "base", "--workspace", str(ws), "--", "/bin/sh", "-c",
                         f"echo ok > out.txt && cat out.txt && cat {hidden}/sibling-secret"], cwd="/")
    finally:
        out_owner = (ws / "out.txt").stat().st_uid if (ws / "out.txt").exists() else None
        shutil.rmtree(hidden, ignore_errors=True)
    assert r.stdout == b"ok\n", r.stderr.decode()
    assert r.returncode != 0 and b"root only" not in r.stdout
    assert out_owner == UNPRIV_UID


def test_root_owned_workspace_is_writable_through_an_idmapped_bind(contain, wall):
    """contain run as root in root's own workspace: the server (host uid 65534, never root) must be able to
    write there (the workspace is bound idmapped: root's files appear as its own, what it creates is root's
    on the host) and gain nothing more: a file of another user stays read-only, a setuid file cannot be
    created, and its own host uid is still 65534."""
    ws = world_dir("contain-rootws-")
    (ws / "mine").write_text("root's\n")
    theirs = ws / "theirs"
    theirs.write_text("user 1234's\n")
    os.chown(theirs, 1234, 1234)
    os.chmod(theirs, 0o666)  # even world-writable: an unmapped owner makes it read-only through the bind
    script = ("echo new > created && echo more >> mine && echo ok-mine; "
              "echo x >> theirs && echo WROTE-THEIRS; "
              "python3 -c \"import os; os.open('planted', os.O_CREAT | os.O_WRONLY, 0o4755)\" 2>/dev/null "
              "&& echo PLANTED-SETUID; "
              "awk '{print \"map\", $1, $2}' /proc/self/uid_map")
    try:
        r = run_contain([contain, "run", "--profile", "base", "--workspace", str(ws), "--", "/bin/sh", "-c", script],
                        cwd=ws)
        out, err = r.stdout.decode(), r.stderr.decode()
        assert r.returncode == 0, err
        assert "ok-mine" in out and (ws / "mine").read_text() == "root's\nmore\n"
        assert (ws / "created").stat().st_uid == 0, "a file the server creates is root's on the host"
        assert "WROTE-THEIRS" not in out and theirs.read_text() == "user 1234's\n"
        assert "PLANTED-SETUID" not in out and not (ws / "planted").exists()
        assert "map 0 65534" in out, out  # uid 0 inside is host uid 65534, never host root
        assert "bound idmapped" in err
    finally:
        shutil.rmtree(ws, ignore_errors=True)


def test_root_owned_workspace_on_a_filesystem_without_idmapping_stays_read_only(contain):
    """The same run on a filesystem that cannot be idmapped (ramfs): no weaker fallback that would let the
    server write as root; the plain bind stays, the server (host uid 65534) cannot write root's directory,
    and the summary says why."""
    ws = world_dir("contain-ramws-")
    subprocess.run(["mount", "-t", "ramfs", "ramfs", str(ws)], check=True)
    try:
        os.chmod(ws, 0o755)
        r = run_contain([contain, "run", "--profile", "base", "--workspace", str(ws), "--", "/bin/sh", "-c",
                         "echo x > created && echo WROTE; awk '{print \"map\", $1, $2}' /proc/self/uid_map"], cwd=ws)
        out, err = r.stdout.decode(), r.stderr.decode()
        assert "WROTE" not in out and not (ws / "created").exists()
        assert "map 0 65534" in out, out
        assert "could not be bound idmapped" in err and "EINVAL" in err, err
    finally:
        subprocess.run(["umount", str(ws)], check=False)
        shutil.rmtree(ws, ignore_errors=True)


@pytest.mark.parametrize("mode", MODES)
def test_signals_are_forwarded(contain, unpriv_contain, wall, mode):
    script = wall["ws"] / "sig.py"
    script.write_text(
        "import os, signal, sys\n"
        "def h(n, f):\n    os.write(1, b'got %d\\n' % n)\n    os._exit(3)\n"
        "signal.signal(signal.SIGTERM, h)\nsignal.signal(signal.SIGHUP, h)\n"
        "print('ready', flush=True)\nwhile True:\n    signal.pause()\n")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        p = subprocess.Popen([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                              "--workspace", str(wall["ws"]), "--", "/usr/bin/python3", str(script)],
                             cwd=wall["ws"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.stdout.readline() == b"ready\n"
        p.send_signal(sig)
        rest, err = p.communicate(timeout=60)
        assert rest == f"got {int(sig)}\n".encode(), err.decode()
        assert p.returncode == 3


def block_forwarded_signals():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})  # survives execve


@pytest.mark.parametrize("mode", MODES)
def test_signals_are_forwarded_even_when_the_caller_blocked_them(contain, unpriv_contain, wall, mode):
    """A blocked signal mask is inherited across execve. A client that spawns contain with SIGTERM blocked
    must still be able to stop the server with it: contain unblocks the signals it forwards."""
    script = wall["ws"] / "sig.py"
    script.write_text(
        "import os, signal\n"
        "def h(n, f):\n    os.write(1, b'got %d\\n' % n)\n    os._exit(3)\n"
        "signal.signal(signal.SIGTERM, h)\nprint('ready', flush=True)\nwhile True:\n    signal.pause()\n")
    p = subprocess.Popen([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                          "--workspace", str(wall["ws"]), "--", "/usr/bin/python3", str(script)],
                         cwd=wall["ws"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=block_forwarded_signals)
    try:
        assert p.stdout.readline() == b"ready\n"
        p.send_signal(signal.SIGTERM)
        rest, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("SIGTERM never reached the server: contain kept the caller's blocked mask")
    assert rest == f"got {int(signal.SIGTERM)}\n".encode(), err.decode()
    assert p.returncode == 3


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = pathlib.Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in kids:
            out.append(int(k))
            todo.append(int(k))
    return out


def alive(pid):
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("mode", MODES)
def test_nothing_outlives_a_killed_supervisor(contain, unpriv_contain, wall, mode):
    p = subprocess.Popen([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                          "--workspace", str(wall["ws"]), "--", "/bin/sh", "-c",
                          "sleep 1000 & sleep 1000 & (sleep 1000 &) ; echo ready; wait"],
                         cwd=wall["ws"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    supervisor = p.pid
    if mode == "unprivileged":  # setpriv execs contain in place: same pid
        pass
    inside = descendants(supervisor)
    assert len(inside) >= 4, inside  # init, sh, the sleeps
    p.send_signal(signal.SIGKILL)
    p.wait()
    # The kernel tears the pid namespace down asynchronously; wait for it, but never assert on speed.
    deadline_polls = 600
    remaining = inside
    while remaining and deadline_polls:
        remaining = [q for q in remaining if alive(q)]
        if remaining:
            deadline_polls -= 1
            subprocess.run(["sleep", "0.05"])
    assert not remaining, f"processes outlived the supervisor: {remaining}"


NETNS_CHECK = r"""
import fcntl, os, socket, struct, sys
me = os.readlink("/proc/self/ns/net")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), 0x8913, struct.pack("16sH14x", b"lo", 0)))[1]
names = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:])
print(me, flags & 1, ",".join(names), flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("mode", MODES)
def test_network_none_is_a_namespace_of_its_own_with_loopback_up(contain, unpriv_contain, wall, mode):
    """An attacker in the server wants the host's network (its interfaces, its loopback services). Under
    network: none the server, and the init beside it, must be in a network namespace that is not the host's,
    holding only `lo`, which is up (the child creates it in a helper while it builds the view)."""
    p = subprocess.Popen([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                          "--workspace", str(wall["ws"]), "--", "/usr/bin/python3", "-c", NETNS_CHECK],
                         cwd=wall["ws"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        assert line, p.stderr.read().decode()
        me, up, names = line.split()
        init = pathlib.Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()[0]
        assert me != os.readlink("/proc/self/ns/net"), "the server shares the host's network namespace"
        assert os.readlink(f"/proc/{init}/ns/net") == me, "the sandbox's init is in another network namespace than its server"
        assert up == "1", "loopback is down"
        assert names == "lo", names
    finally:
        p.communicate(timeout=60)
    assert p.returncode == 0


def run_in_userns_without_netns(argv, cwd):
    """Runs argv as root of a new user namespace (every uid mapped to itself) whose limit on network
    namespaces is 0: the kernel then refuses every network namespace below it with ENOSPC, the way a
    host with user.max_net_namespaces=0 would (which this machine's /proc/sys does not let a test set)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    out = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(go_w)
            if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
                os._exit(90)
            os.write(ready_w, b"x")
            os.read(go_r, 1)
            pathlib.Path("/proc/sys/user/max_net_namespaces").write_text("0\n")
            os.chdir(cwd)
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(91)
    os.close(ready_w)
    os.close(go_r)
    assert os.read(ready_r, 1) == b"x"
    pathlib.Path(f"/proc/{pid}/uid_map").write_text("0 0 65536\n")
    pathlib.Path(f"/proc/{pid}/gid_map").write_text("0 0 65536\n")
    os.write(go_w, b"x")
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    return os.waitstatus_to_exitcode(status), out.read().decode()


def test_a_refused_network_namespace_fails_closed_naming_the_step(contain, wall):
    """When the kernel will not create the network namespace, the server must not run at all, let alone on
    the host's network, and the error names the step."""
    code, output = run_in_userns_without_netns(
        [str(contain), "run", "--profile", "base", "--workspace", str(wall["ws"]), "--",
         "/bin/sh", "-c", "echo the server ran"], cwd=wall["ws"])
    assert code == 125, output
    assert "the server ran" not in output
    assert 'setup step "create the network namespace and bring up loopback" failed: ENOSPC' in output, output


@pytest.mark.parametrize("mode", MODES)
def test_environment_is_scrubbed_and_no_fd_leaks(contain, unpriv_contain, wall, mode):
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY="leak-me", KEEPME="kept")
    leaked = os.open("/etc/hostname", os.O_RDONLY)  # inheritable: contain must not pass it on
    os.set_inheritable(leaked, True)
    try:
        r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                         "--workspace", str(wall["ws"]), "--env", "KEEPME", "--env", "SET_ME=yes", "--",
                         "/bin/sh", "-c", "env; echo FDS; ls /proc/self/fd"],
                        cwd=wall["ws"], env=env, pass_fds=(leaked,))
    finally:
        os.close(leaked)
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    envpart, fds = out.split("FDS\n")
    assert "leak-me" not in envpart
    assert "KEEPME=kept" in envpart and "SET_ME=yes" in envpart and "HOME=/tmp" in envpart
    # ls itself opens one directory fd (3); nothing else beyond stdio.
    assert sorted(int(x) for x in fds.split()) == [0, 1, 2, 3], fds


@pytest.mark.parametrize("mode", MODES)
def test_workspace_is_writable_and_host_sees_the_servers_uid(contain, unpriv_contain, wall, mode):
    r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                     "--workspace", str(wall["ws"]), "--", "/bin/sh", "-c", "echo data > out.txt; id -u"],
                    cwd=wall["ws"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b"0\n"  # root inside...
    st = (wall["ws"] / "out.txt").stat()
    assert st.st_uid == UNPRIV_UID  # ...an unprivileged uid on the host, never host root


def test_runtime_discovery_adds_a_venv_outside_the_workspace(contain, wall):
    venv = wall["root"] / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "canarymod.py").write_text("VALUE = 'from-the-venv'\n")
    tool = venv / "bin" / "mcp-canary"
    tool.write_text("#!/usr/bin/env python3\nimport canarymod\nprint(canarymod.VALUE)\n")
    os.chmod(tool, 0o755)
    for d, _, files in os.walk(venv):
        os.chmod(d, 0o755)
    r = run_contain([contain, "run", "--profile", "base", "--workspace", str(wall["ws"]),
                     "--env", f"PATH={venv}/bin:/usr/bin:/bin", "--", "mcp-canary"], cwd=wall["ws"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == b"from-the-venv\n"
    assert f"runtime: added {venv}" in r.stderr.decode()
    # Without runtime discovery the venv is not in the view.
    prof = wall["root"] / "noruntime.yaml"
    prof.write_text("version: 1\nextends: base\nenvironment:\n  filesystem:\n    runtime: off\n")
    r = run_contain([contain, "run", "--profile", str(prof), "--workspace", str(wall["ws"]),
                     "--env", f"PATH={venv}/bin:/usr/bin:/bin", "--", f"{venv}/bin/mcp-canary"], cwd=wall["ws"])
    assert r.returncode == 127, r.stderr.decode()


def test_a_server_cannot_plant_its_way_out_through_the_workspace(contain, wall):
    """Between runs the server owns its workspace. It plants a venv whose pyvenv.cfg names a directory
    holding secrets, and a symlink where the profile lists a nested path: the next run must bind neither."""
    ws, secret_dir = wall["ws"], wall["secret"].parent
    venv = ws / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {secret_dir}/bin\ninclude-system-site-packages = false\n")
    os.symlink("/usr/bin/python3", venv / "bin" / "python3")
    tool = venv / "bin" / "tool"
    tool.write_text(f"#!{venv}/bin/python3\nprint(open('{wall['secret']}').read())\n")
    os.chmod(tool, 0o755)
    os.symlink(str(secret_dir), ws / "data")
    prof = wall["root"] / "nested.yaml"
    prof.write_text('version: 1\nextends: base\nenvironment:\n  filesystem:\n    read: ["${WORKSPACE}/data"]\n')
    r = run_contain([contain, "run", "--profile", str(prof), "--workspace", str(ws), "--", str(tool)], cwd=ws)
    err = r.stderr.decode()
    assert r.returncode != 0
    assert wall["token"].encode() not in r.stdout
    assert f"runtime: not adding {secret_dir}" in err, err
    assert f"{ws}/data not bound" in err, err


MCP_SERVER = r'''
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    if msg.get("method") == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "wall-test", "version": "1.0"}}
        out = {"jsonrpc": "2.0", "id": msg["id"], "result": result}
    elif msg.get("method") == "tools/list":
        out = {"jsonrpc": "2.0", "id": msg["id"], "result": {"tools": []}}
    else:
        out = {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no such method"}}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
'''


@pytest.mark.parametrize("mode", MODES)
def test_python_mcp_server_answers_initialize_under_base(contain, unpriv_contain, wall, mode):
    server = wall["ws"] / "server.py"
    server.write_text(MCP_SERVER)
    p = subprocess.Popen([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                          "--workspace", str(wall["ws"]), "--", "/usr/bin/python3", str(server)],
                         cwd=wall["ws"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    lines = (json.dumps(init) + "\n"
             '{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
             '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n')
    out, err = p.communicate(lines.encode(), timeout=60)
    assert p.returncode == 0, err.decode()
    replies = [json.loads(l) for l in out.decode().splitlines()]
    assert replies[0]["id"] == 1 and replies[0]["result"]["serverInfo"]["name"] == "wall-test"
    assert replies[1] == {"jsonrpc": "2.0", "id": 2, "result": {"tools": []}}
    assert b"blocked" not in err, err.decode()  # base lets an ordinary server run without refusals


NODE_SERVER = r'''
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  const result = msg.method === "initialize"
    ? { protocolVersion: msg.params.protocolVersion, capabilities: {}, serverInfo: { name: "node-wall-test", version: "1" } }
    : { tools: [] };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result }) + "\n");
});
'''


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_mcp_server_answers_initialize_under_base(contain, wall):
    server = wall["ws"] / "server.js"
    server.write_text(NODE_SERVER)
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    r = run_contain([contain, "run", "--profile", "base", "--workspace", str(wall["ws"]), "--", "node", str(server)],
                    cwd=wall["ws"], input=(json.dumps(init) + "\n").encode())
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout)["result"]["serverInfo"]["name"] == "node-wall-test"
    assert b"blocked" not in r.stderr, r.stderr.decode()


def test_namespaces_the_wall_needs_cannot_be_turned_off(contain, wall):
    prof = wall["root"] / "nopid.yaml"
    prof.write_text("version: 1\nenvironment:\n  namespaces: [user, mount, ipc, uts, cgroup, net]\n"
                    "  filesystem:\n    execute: [/usr, /bin, /lib, /lib64]\n    write: [\"${WORKSPACE}\"]\n")
    r = run_contain([contain, "run", "--profile", str(prof), "--workspace", str(wall["ws"]), "--", "/bin/true"],
                    cwd=wall["ws"])
    assert r.returncode == 125
    assert "pid" in r.stderr.decode()


def processes_with_arg(marker):
    """Live processes whose command line holds `marker` (the sandbox child is a fork of contain, so it
    carries contain's command line until it executes the server)."""
    found = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if marker.encode() in (d / "cmdline").read_bytes() and alive(int(d.name)):
                found.append(int(d.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("failure", ["no such profile", "bad option", "help"])
def test_a_run_that_never_launches_leaves_no_sandbox_child(contain, unpriv_contain, wall, mode, failure):
    """`contain run` clones the sandbox child before main, before it has read the profile. When the run
    ends before the launch (a missing profile, a bad option, --help), that child must not outlive contain:
    it would sit in namespaces of its own, holding whatever contain held when it was cloned."""
    marker = "contain-marker-" + os.urandom(6).hex()
    args = {"no such profile": ["run", "--profile", str(wall["root"] / "missing.yaml"), "--", "/bin/echo", marker],
            "bad option": ["run", "--no-such-option", "--profile", "base", "--", "/bin/echo", marker],
            "help": ["run", "--help", marker]}[failure]
    # Output to files, not pipes: a child that lingers would hold a pipe open and hang the read, not fail.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        r = run_contain([*contain_argv(contain, unpriv_contain, mode), *args], cwd=wall["ws"],
                        capture_output=False, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    assert r.returncode == (0 if failure == "help" else 125), stderr.decode()
    assert marker.encode() not in stdout  # the server never ran
    polls = 200
    left = processes_with_arg(marker)
    while left and polls:
        polls -= 1
        subprocess.run(["sleep", "0.05"])
        left = processes_with_arg(marker)
    assert not left, f"a sandbox child outlived a run that never launched: {left}"


NS_CHECK = "for n in ipc uts cgroup net; do printf '%s ' $(readlink /proc/self/ns/$n); done; echo"


@pytest.mark.parametrize("mode", MODES)
def test_namespaces_follow_the_profile(contain, unpriv_contain, wall, mode):
    """The sandbox child exists before the profile is read, cloned into the user, mount and pid namespaces
    every profile has; the others come from the profile. With the defaults the server gets ipc, uts, cgroup
    and network namespaces of its own; a profile that leaves them out (network: host) shares the host's,
    and the network namespace the child started on spec is dropped, not used."""
    host = [os.readlink(f"/proc/self/ns/{n}") for n in ("ipc", "uts", "cgroup", "net")]
    r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                     "--workspace", str(wall["ws"]), "--", "/bin/sh", "-c", NS_CHECK], cwd=wall["ws"])
    assert r.returncode == 0, r.stderr.decode()
    own = r.stdout.decode().split()
    assert len(own) == 4 and all(a != b for a, b in zip(own, host)), (own, host)

    prof = wall["root"] / "shared.yaml"
    prof.write_text("version: 1\nenvironment:\n  namespaces: [user, mount, pid]\n  network: host\n"
                    "  filesystem:\n    execute: [/usr, /bin, /lib, /lib64]\n    write: [\"${WORKSPACE}\"]\n"
                    "  syscalls:\n    default: allow\n")
    os.chmod(prof, 0o644)
    r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", str(prof),
                     "--workspace", str(wall["ws"]), "--", "/bin/sh", "-c", NS_CHECK], cwd=wall["ws"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == host


@pytest.mark.parametrize("mode", MODES)
def test_a_plan_larger_than_one_socket_message_arrives_whole(contain, unpriv_contain, wall, mode):
    """The plan reaches the sandbox child in messages of at most 32 KiB. A large environment (one 120 KB
    value, 2000 variables) must arrive intact: a lost or reordered chunk would corrupt the server's
    environment or fail the launch."""
    big = "".join(chr(ord("a") + i % 26) for i in range(120_000))
    env = dict(os.environ, BIG=big)
    args = ["--env", "BIG"]
    for i in range(2000):
        args += ["--env", f"V{i}=value-{i}"]
    script = 'printf "%s" "$BIG" | md5sum; env | grep -c "^V[0-9]*=value-"; echo "$V1999"'
    r = run_contain([*contain_argv(contain, unpriv_contain, mode), "run", "--profile", "base",
                     "--workspace", str(wall["ws"]), *args, "--", "/bin/sh", "-c", script],
                    cwd=wall["ws"], env=env)
    assert r.returncode == 0, r.stderr.decode()
    import hashlib
    digest, count, last = r.stdout.decode().split("\n")[:3]
    assert digest.split()[0] == hashlib.md5(big.encode()).hexdigest()
    assert count == "2000" and last == "value-1999"
