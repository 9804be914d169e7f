"""`contain check`, `contain doctor` and `contain report` through the built binary: diagnostics with exact
positions and exit statuses, no crash on garbage, doctor's probes cross-checked between root and an
unprivileged uid and against the kernel's own files, and `report` agreeing with the summary of the run that
wrote the audit log."""
import json
import os
import pathlib
import random
import re
import subprocess

import pytest

from conftest import SETPRIV, UNPRIV_UID, run

SHIPPED_ENV = {"KUBECONFIG": "/root/.kube/config", "KUBE_API_SERVER": "127.0.0.1:6443"}


def test_check_accepts_every_shipped_profile(contain, repo):
    files = sorted(str(p) for p in (repo / "profiles").glob("*.yaml"))
    assert files
    r = run([contain, "check", *files], env={**os.environ, **SHIPPED_ENV})
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().splitlines() == [f"{f}: ok" for f in files]


def test_check_reports_every_problem_at_its_position(contain, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "version: 1\n"
        "environment:\n"
        "  namespces: [user]\n"
        "  syscalls:\n"
        "    allow: [opnat, \"@file-sytem\"]\n"
        "  network: { allow: [\"::1:80\"] }\n"
        "mcp:\n"
        "  tools: { allow: [x], deny: [x] }\n")
    r = run([contain, "check", str(p)])
    assert r.returncode == 1
    assert r.stdout == b""
    assert r.stderr.decode().splitlines() == [
        f"{p}:3:3: error: unknown key 'namespces' in environment (did you mean 'namespaces'?)",
        f"{p}:5:13: error: unknown syscall 'opnat' (did you mean 'openat'?)",
        f"{p}:5:20: error: unknown syscall group '@file-sytem' (did you mean '@file-system'?); `contain check --groups` lists them",
        f"{p}:6:22: error: network destination '::1:80': an IPv6 address must be in brackets, e.g. [::1]:9000",
        f"{p}:8:31: error: tool 'x' is both allowed (line 8:20) and denied; the allow entry can never take effect, remove one",
    ]


def test_check_unknown_name_lists_the_shipped_profiles(contain):
    r = run([contain, "check", "bsae"])
    assert r.returncode == 1
    msg = r.stderr.decode()
    assert msg.startswith("bsae:1:1: error: no profile file or shipped profile named 'bsae' (did you mean 'base'?)")
    assert "shipped profiles: " in msg and "strict" in msg


def test_check_groups_lists_the_table(contain):
    r = run([contain, "check", "--groups"])
    assert r.returncode == 0
    out = r.stdout.decode()
    m = re.search(r"^@system-service \((\d+)\):", out, re.M)
    assert m and int(m.group(1)) > 200
    assert re.search(r"^@mount \(\d+\):", out, re.M)
    assert " openat" in out


def test_check_never_crashes_on_garbage(contain, tmp_path):
    rng = random.Random(1234)
    valid = (pathlib.Path(__file__).resolve().parents[2] / "profiles" / "base.yaml").read_text()
    for i in range(40):
        p = tmp_path / f"g{i}.yaml"
        if i % 2:
            p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))))
        else:
            chars = list(valid)
            for _ in range(5):
                k = rng.randrange(len(chars))
                chars[k:k + rng.randrange(1, 8)] = rng.choice(["[", "]", ": ", "\t", "{", "- ", "*x", "&x ", "\"", ""])
            p.write_text("".join(chars))
        r = run([contain, "check", str(p)])
        assert r.returncode in (0, 1), (p.read_bytes()[:200], r.stderr[-2000:])
        if r.returncode == 1:
            lines = r.stderr.decode(errors="replace").splitlines()
            assert lines and all(re.match(re.escape(str(p)) + r":\d+:\d+: (error|warning): ", l) for l in lines), lines


def doctor_json(argv):
    r = run(argv + ["doctor", "--json"], timeout=120)
    assert r.returncode in (0, 1), r.stderr.decode()
    d = json.loads(r.stdout)
    return d, {p["id"]: p for p in d["probes"]}


def test_doctor_agrees_with_itself_and_the_kernel(contain, unpriv_contain):
    as_root, root_probes = doctor_json([contain])
    as_user, user_probes = doctor_json(SETPRIV + [unpriv_contain])
    assert as_root["running_as_root"] is True and as_user["running_as_root"] is False
    # What root predicted for uid 65534 is what uid 65534 finds.
    assert root_probes["userns_unprivileged"]["status"] == user_probes["userns"]["status"]
    assert as_root["landlock_abi"] == as_user["landlock_abi"]
    lsm = pathlib.Path("/sys/kernel/security/lsm")
    if lsm.exists():
        assert (as_root["landlock_abi"] > 0) == ("landlock" in lsm.read_text().split(","))
    avail = pathlib.Path("/proc/sys/kernel/seccomp/actions_avail")
    if avail.exists() and "user_notif" not in avail.read_text().split():
        assert root_probes["seccomp_user_notif"]["status"] == "missing"
    # cgroup2 as /proc/self/mounts says.
    mounts = [l.split() for l in pathlib.Path("/proc/self/mounts").read_text().splitlines()]
    unified = any(m[2] == "cgroup2" and m[1] == "/sys/fs/cgroup" for m in mounts)
    assert (root_probes["cgroup2"]["status"] == "ok") == unified
    assert as_root["essential_guarantees_hold"] == all(g["holds"] for g in as_root["guarantees"] if g["essential"])


def test_doctor_text_has_one_line_per_probe(contain):
    d, probes = doctor_json([contain])
    r = run([contain, "doctor"])
    lines = r.stdout.decode().splitlines()
    for p in d["probes"]:
        [line] = [l for l in lines if l.startswith(p["status"]) and p["name"] in l and p["detail"] in l]
        assert p["meaning"] in line


PROBE_C = r"""
#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>
int main(void) {
    for (int i = 0; i < 3; i++) mount("none", "/mnt", "tmpfs", 0, NULL);
    int r = chroot("/etc");
    printf("chroot %d\n", r < 0 ? errno : 0);
    return 0;
}
"""


@pytest.fixture(scope="module")
def mounter(tmp_path_factory):
    d = tmp_path_factory.mktemp("report-probe")
    os.chmod(d, 0o755)
    (d / "m.c").write_text(PROBE_C)
    subprocess.run(["gcc", "-O1", "-o", str(d / "mounter"), str(d / "m.c")], check=True)
    os.chmod(d / "mounter", 0o755)
    for p in pathlib.Path(d).parents:
        if str(p) == "/":
            break
        os.chmod(p, os.stat(p).st_mode | 0o055)
    return str(d / "mounter")


def test_report_of_an_audit_log_matches_the_runs_own_summary(contain, tmp_path, workspace, mounter):
    audit, report = tmp_path / "audit.jsonl", tmp_path / "report.json"
    r = run([contain, "run", "--profile", "base", "--workspace", str(workspace), "--audit", str(audit),
             "--report", str(report), "--", mounter], timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    run_summary = json.loads(report.read_text())
    assert run_summary["blocked"] >= 4

    rj = run([contain, "report", "--json", str(audit)])
    assert rj.returncode == 0, rj.stderr.decode()
    rep = json.loads(rj.stdout)
    assert rep["summary"]["blocked"] == run_summary["blocked"]

    def key(e):
        return (e["wall"], e["event"], e["verdict"], e["rule"], e["what"], e.get("exe"), e["count"])
    assert sorted(map(key, rep["summary"]["events"])) == sorted(map(key, run_summary["events"]))

    text = run([contain, "report", str(audit)]).stdout.decode()
    [mount_row] = [l for l in text.splitlines() if " mount " in l and "blocked" in l]
    assert mount_row.split()[0] == "3"


def test_report_names_the_bad_line(contain, tmp_path):
    good = ('{"time":"2026-01-01T00:00:00.000Z","wall":"transport","event":"tool_call","verdict":"blocked",'
            '"rule":"r","tool":"t","detail":"d"}')
    f = tmp_path / "a.jsonl"
    f.write_text(good + "\n" + "{not json\n" + good.replace('"transport"', '"kernel"') + "\n")
    r = run([contain, "report", str(f)])
    assert r.returncode == 1
    assert r.stdout == b""
    assert r.stderr.decode().splitlines() == [
        f"{f}:2: error: not a JSON object (an audit log has one JSON object per line)",
        f"{f}:3: error: field 'wall' must be \"environment\" or \"transport\"",
    ]


def test_check_print_shows_the_merged_profile_which_checks_again(contain, tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text("version: 1\nextends: base\nenvironment:\n  filesystem:\n    read: [/opt/tools]\n")
    r = run([contain, "check", "--quiet", "--print", str(child)])
    assert r.returncode == 0, r.stderr.decode()
    printed = r.stdout.decode()
    assert "/opt/tools" in printed and "/etc/shadow" in printed  # the child's addition and base's denies
    again = tmp_path / "printed.yaml"
    again.write_text(printed)
    r2 = run([contain, "check", str(again)])
    assert r2.returncode == 0, r2.stderr.decode()


def test_report_escapes_what_the_sandboxed_process_named(contain, tmp_path):
    # A process inside names its executable so that printing it would clear the screen and forge a row.
    line = json.dumps({"time": "2026-01-01T00:00:00.000Z", "wall": "environment", "event": "syscall",
                       "verdict": "blocked", "rule": "r", "exe": "/tmp/\x1b[2Jx\n    9  allowed", "syscall": "mount",
                       "detail": "d"})
    f = tmp_path / "a.jsonl"
    f.write_text(line + "\n")
    r = run([contain, "report", str(f)])
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "\x1b" not in out and "\\u{1b}[2J" in out
    assert len(out.splitlines()) == 3  # header line, column titles, one row
