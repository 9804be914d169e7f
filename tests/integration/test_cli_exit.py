"""Exit statuses a client can rely on (DESIGN.md): the server's own; 128+N for signal N; 125 for any failure of
contain itself, usage errors included; 126/127 when the command cannot be executed or found."""
import subprocess


def status(argv, cwd):
    return subprocess.run(argv, capture_output=True, timeout=60, cwd=cwd).returncode


def test_exit_statuses(contain, workspace):
    assert status([contain, "run", "--", "/bin/true"], workspace) == 125                    # no --profile
    assert status([contain, "frobnicate"], workspace) == 125                                # unknown subcommand
    assert status([contain, "run", "--profile", "no-such-profile", "--", "/bin/true"], workspace) == 125
    assert status([contain, "run", "--profile", "base", "--", "/no/such/cmd"], workspace) == 127
    assert status([contain, "run", "--profile", "base", "--", "/etc/hostname"], workspace) == 126
    assert status([contain, "run", "--profile", "base", "--", "/bin/sh", "-c", "exit 3"], workspace) == 3
    assert status([contain, "run", "--profile", "base", "--", "/bin/sh", "-c", "kill -KILL $$"], workspace) == 137
    assert status([contain, "--help"], workspace) == 0
