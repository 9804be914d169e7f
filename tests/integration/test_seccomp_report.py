"""The seccomp wall through the built binary: a small C program (compiled here with gcc) makes the calls an
attacker would inside `contain run`, and each must fail with the rule's errno (or kill the process), and the
refused ones must be reported with decoded arguments in --report JSON, --audit lines and the stderr summary.
Every test runs as root and as an unprivileged uid (setpriv)."""
import json
import os
import pathlib
import subprocess

import pytest

from conftest import SETPRIV, UNPRIV_UID, run

SIGSYS = 31

PROBE_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

static void out(const char *what, long r) { printf("%s %d\n", what, r < 0 ? errno : 0); fflush(stdout); }

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 1;
    if (!strcmp(m, "mount")) {
        long r = 0;
        for (long i = 0; i < n; i++) r = mount("none", "/mnt", "tmpfs", 0, NULL);
        out("mount", r);
    } else if (!strcmp(m, "chroot")) {
        out("chroot", chroot("/etc"));
    } else if (!strcmp(m, "tty")) {
        char c = 'x';
        out("TIOCSTI", syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c));
        out("TIOCSTI_HIGH", syscall(SYS_ioctl, 0, 0x100005412UL, &c));
        out("TIOCLINUX", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &c));
    } else if (!strcmp(m, "userns")) {
        out("clone", syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0));
        out("unshare", unshare(CLONE_NEWUSER));
        out("clone3", syscall(SYS_clone3, NULL, 0));
    } else if (!strcmp(m, "sockets")) {
        out("AF_PACKET", socket(AF_PACKET, SOCK_RAW, 0));
        out("AF_VSOCK", socket(AF_VSOCK, SOCK_STREAM, 0));
        out("AF_NETLINK", socket(AF_NETLINK, SOCK_RAW, 0));
        out("AF_INET_RAW", socket(AF_INET, SOCK_RAW, 1));
        out("AF_UNIX", socket(AF_UNIX, SOCK_STREAM, 0));
    } else if (!strcmp(m, "x32")) {
        out("x32", syscall(SYS_getpid | 0x40000000));
    } else if (!strcmp(m, "int80")) {
        long r;
        __asm__ volatile ("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        printf("int80 %ld\n", r);
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def probe_binary(tmp_path_factory):
    d = tmp_path_factory.mktemp("seccomp-probe")
    os.chmod(d, 0o755)
    src = d / "probe.c"
    src.write_text(PROBE_C)
    exe = d / "scprobe"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(src)], check=True)
    os.chmod(exe, 0o755)
    for p in [*pathlib.Path(d).parents]:
        if str(p) == "/":
            break
        os.chmod(p, os.stat(p).st_mode | 0o055)
    return str(exe)


@pytest.fixture(params=["root", "unprivileged"])
def who(request):
    return request.param


class Runner:
    def __init__(self, contain, unpriv_contain, who, tmp_path, workspace):
        self.who = who
        self.binary = contain if who == "root" else unpriv_contain
        self.tmp = tmp_path
        self.workspace = workspace
        # The sandbox's host uid must reach the workspace (pytest's base directory is 0700).
        for p in tmp_path.parents:
            if str(p) in ("/", "/tmp"):
                break
            os.chmod(p, os.stat(p).st_mode | 0o055)

    def profile(self, extra_yaml=""):
        p = self.tmp / "seccomp-test.yaml"
        p.write_text("version: 1\nextends: base\n" + extra_yaml)
        os.chmod(p, 0o644)
        return str(p)

    def __call__(self, argv, profile=None):
        report = self.tmp / "report.json"
        audit = self.tmp / "audit.jsonl"
        for f in (report, audit):
            if f.exists():
                f.unlink()
        if self.who != "root":
            os.chown(self.tmp, UNPRIV_UID, UNPRIV_UID)
        cmd = [self.binary, "run", "--profile", profile or self.profile(), "--workspace", str(self.workspace),
               "--report", str(report), "--audit", str(audit), "--", *argv]
        if self.who != "root":
            cmd = SETPRIV + cmd
        r = run(cmd, timeout=300)
        rep = json.loads(report.read_text()) if report.exists() else None
        lines = [json.loads(l) for l in audit.read_text().splitlines()] if audit.exists() else []
        results = {}
        for line in r.stdout.decode().splitlines():
            k, _, v = line.partition(" ")
            results[k] = int(v)
        return r, results, rep, lines


@pytest.fixture
def sandbox(contain, unpriv_contain, who, tmp_path, workspace):
    return Runner(contain, unpriv_contain, who, tmp_path, workspace)


def events(rep, what):
    return [e for e in rep["events"] if e["what"] == what and e["wall"] == "environment"]


def test_mount_is_refused_reported_and_summarised(sandbox, probe_binary):
    # The attacker mounts a tmpfs over a directory (to hide or replace files) three times.
    r, res, rep, lines = sandbox([probe_binary, "mount", "3"])
    assert r.returncode == 0, r.stderr.decode()
    assert res["mount"] == 1  # EPERM: the default errno of profiles/base.yaml
    [ev] = events(rep, "mount")
    assert ev["count"] == 3 and ev["verdict"] == "blocked" and ev["rule"] == "syscalls.default"
    assert ev["args"]["path"] == "/mnt" and ev["args"]["source"] == "none" and ev["args"]["fstype"] == "tmpfs"
    assert ev["exe"] == probe_binary
    audit = [l for l in lines if l.get("syscall") == "mount"]
    assert len(audit) == 3 and audit[0]["args"]["path"] == "/mnt" and audit[0]["wall"] == "environment"
    assert audit[0]["pid"] > 0 and audit[0]["verdict"] == "blocked"
    assert f"blocked mount(2) x3 by {probe_binary}" in r.stderr.decode()


def test_rule_errno_and_path_of_a_named_deny(sandbox, probe_binary):
    # A profile that names chroot with its own errno: the attacker sees EACCES, the report names the rule.
    prof = sandbox.profile("environment:\n  syscalls:\n    deny: [{ name: chroot, errno: EACCES }]\n")
    r, res, rep, _ = sandbox([probe_binary, "chroot"], profile=prof)
    assert res["chroot"] == 13
    [ev] = events(rep, "chroot")
    assert ev["args"]["path"] == "/etc" and ev["rule"] != "syscalls.default"


def test_tty_injection_including_high_bits(sandbox, probe_binary):
    r, res, rep, _ = sandbox([probe_binary, "tty"])
    # EPERM from the filter: without it the kernel would say ENOTTY/EBADF-ish for fd 0 being a pipe.
    assert res == {"TIOCSTI": 1, "TIOCSTI_HIGH": 1, "TIOCLINUX": 1}
    ioctls = events(rep, "ioctl")
    assert sum(e["count"] for e in ioctls) == 3
    requests = {e["args"]["request"] for e in ioctls}
    assert "TIOCSTI" in requests
    assert all(e["rule"] == "syscalls.tty_injection" for e in ioctls)


def test_user_namespace_creation(sandbox, probe_binary):
    r, res, rep, _ = sandbox([probe_binary, "userns"])
    assert res["clone"] == 1 and res["unshare"] == 1
    assert res["clone3"] == 38  # ENOSYS so libc falls back to clone(2), whose flags the filter reads
    [c] = events(rep, "clone")
    assert "CLONE_NEWUSER" in c["args"]["flags"] and c["rule"] == "syscalls.namespaces"
    [u] = events(rep, "unshare")
    assert u["args"]["flags"] == "CLONE_NEWUSER"
    assert not events(rep, "clone3")  # a compatibility answer, not a block


def test_socket_families(sandbox, probe_binary):
    r, res, rep, lines = sandbox([probe_binary, "sockets"])
    assert res["AF_PACKET"] == 97 and res["AF_VSOCK"] == 97 and res["AF_NETLINK"] == 97
    assert res["AF_INET_RAW"] == 1
    assert res["AF_UNIX"] == 0
    # The report groups by rule and syscall (one example each); the audit stream has every attempt.
    groups = {e["rule"]: e["count"] for e in events(rep, "socket")}
    assert groups == {"syscalls.socket_families": 3, "syscalls.raw_sockets": 1}
    seen = [(l["args"]["family"], l["args"]["type"]) for l in lines if l.get("syscall") == "socket"]
    assert seen == [("AF_PACKET", "SOCK_RAW"), ("AF_VSOCK", "SOCK_STREAM"), ("AF_NETLINK", "SOCK_RAW"),
                    ("AF_INET", "SOCK_RAW")]


@pytest.mark.parametrize("mode", ["x32", "int80"])
def test_foreign_architectures_are_killed(sandbox, probe_binary, mode):
    r, res, _, _ = sandbox([probe_binary, mode])
    assert r.returncode == 128 + SIGSYS, (r.returncode, r.stderr.decode())
    assert mode not in res  # it never got to print


def test_a_tight_loop_is_one_group_and_capped_audit(sandbox, probe_binary):
    r, res, rep, lines = sandbox([probe_binary, "mount", "100000"])
    assert res.get("mount") == 1, (r.returncode, r.stderr.decode())
    [ev] = events(rep, "mount")
    assert ev["count"] == 100000
    mount_lines = [l for l in lines if l.get("syscall") == "mount"]
    assert len(mount_lines) == 50  # AuditLog.perKeyLineLimit
    assert mount_lines[-1].get("suppressing_further") is True


THREADS_PY = r"""
import ctypes, threading
libc = ctypes.CDLL(None, use_errno=True)
errs = []
def worker():
    for _ in range(2000):
        if libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) == 0:
            errs.append("mounted")
        else:
            errs.append(ctypes.get_errno())
ts = [threading.Thread(target=worker) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print("count", len(errs))
print("eperm", errs.count(1))
"""


def test_concurrent_threads_are_all_answered_and_counted(sandbox):
    # Eight threads refuse-loop at once: every call is answered (no thread hangs), all are counted.
    script = sandbox.workspace / "threads.py"
    script.write_text(THREADS_PY)
    os.chmod(script, 0o644)
    r, res, rep, _ = sandbox(["/usr/bin/python3", str(script)])
    assert r.returncode == 0, r.stderr.decode()

    assert res == {"count": 16000, "eperm": 16000}
    [ev] = events(rep, "mount")
    assert ev["count"] == 16000
