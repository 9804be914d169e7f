"""The steady-state cost of contain's filter is the floor any seccomp sandbox pays, because the kernel never runs it
for the syscalls a busy server makes.

Linux (5.11+) caches, per architecture, the syscalls a filter allows whatever their arguments, and skips the BPF
program for them. bench/steady/cache_check.py replays the kernel's own emulation (seccomp_is_const_allow) over the
program `contain check --export-bpf` writes. If a compiler change started loading arguments before dispatching on
the syscall number, or put a hot syscall behind an argument rule, every read/write/futex of every contained server
would run hundreds of BPF instructions: these tests catch that, without any timing."""
import importlib.util
import os

import pytest

from conftest import REPO, run

spec = importlib.util.spec_from_file_location("cache_check", REPO / "bench" / "steady" / "cache_check.py")
cache_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cache_check)

SHIPPED_ENV = {"KUBECONFIG": "/root/.kube/config", "KUBE_API_SERVER": "127.0.0.1:6443"}
PROFILES = sorted(p.stem for p in (REPO / "profiles").glob("*.yaml"))


def export(contain, profile, out):
    r = run([contain, "check", "--export-bpf", str(out), str(profile)], env={**os.environ, **SHIPPED_ENV})
    assert r.returncode == 0, r.stderr.decode()
    return cache_check.load(str(out))


def brokers_network(contain, profile):
    r = run([contain, "check", "--print", profile], env={**os.environ, **SHIPPED_ENV})
    assert r.returncode == 0, r.stderr.decode()
    return "  network:\n    allow:" in r.stdout.decode()


@pytest.mark.parametrize("profile", PROFILES)
def test_hot_syscalls_never_run_the_filter(contain, tmp_path, profile):
    prog = export(contain, profile, tmp_path / f"{profile}.bpf")
    nums = cache_check.syscall_numbers()
    missing = [n for n in cache_check.HOT if n in nums and not cache_check.const_allow(prog, nums[n])]
    # With a network allowlist, sendto/sendmsg carry a destination the broker must see (a connected socket's
    # NULL address is allowed by the program itself): checking their arguments is the policy, not an accident.
    expected = ["sendmsg", "sendto"] if brokers_network(contain, profile) else []
    assert [m for m in missing if m not in expected] == [], \
        f"{profile}: these hot syscalls would run the {len(prog)}-instruction filter on every call"


@pytest.mark.parametrize("profile", PROFILES)
def test_denied_and_foreign_calls_are_never_cached(contain, tmp_path, profile):
    # The cache must not answer for what the policy refuses: mount, ptrace, bpf, and any x32 or i386 number.
    prog = export(contain, profile, tmp_path / f"{profile}.bpf")
    nums = cache_check.syscall_numbers()
    for name in ("mount", "ptrace", "bpf", "kexec_load", "init_module", "open_by_handle_at"):
        assert not cache_check.const_allow(prog, nums[name]), f"{profile}: {name} would bypass the filter"
    assert not cache_check.const_allow(prog, nums["read"] | 0x40000000), "x32 read must reach the filter (killed)"
    assert not cache_check.const_allow(prog, 3, arch=0x40000003), "i386 read must reach the filter (killed)"


def test_an_argument_rule_on_a_hot_syscall_is_seen(contain, tmp_path):
    # The negative control: a profile that puts `write` behind an argument comparison makes every write run the
    # program, and the check says so.
    p = tmp_path / "slow.yaml"
    p.write_text("version: 1\nextends: base\nenvironment:\n  syscalls:\n    rules:\n"
                 "      - { id: odd-write, syscall: write, action: deny, args: [{ index: 0, op: eq, value: 1000 }] }\n")
    prog = export(contain, p, tmp_path / "slow.bpf")
    nums = cache_check.syscall_numbers()
    assert not cache_check.const_allow(prog, nums["write"])
    assert cache_check.const_allow(prog, nums["read"])
