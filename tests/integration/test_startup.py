"""How the release binary starts (x86_64): its entry point is contain_entry (csrc/CContainEarly/entry.c), which
makes the pages static-PIE relocation writes resident with madvise(MADV_POPULATE_WRITE) before glibc's _start,
instead of taking a copy-on-write fault per page. If the link flag that installs it were lost, the binary would
still work and start ~0.6 ms slower; these tests catch that, without timing anything."""
import platform
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="contain_entry exists on x86_64 only")


def test_the_release_binary_enters_through_contain_entry(contain):
    header = subprocess.run(["readelf", "-h", contain], capture_output=True, text=True, check=True).stdout
    entry = int(re.search(r"Entry point address:\s+(0x[0-9a-f]+)", header).group(1), 16)
    symbols = subprocess.run(["nm", contain], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^([0-9a-f]+) T contain_entry$", symbols, re.M)
    assert found, "contain_entry is not in the binary"
    assert int(found.group(1), 16) == entry, "the binary does not start in contain_entry (scripts/build-release's -e)"


def test_the_relocated_pages_are_made_resident_before_anything_else(contain, tmp_path):
    strace = shutil.which("strace")
    if not strace:
        pytest.fail("strace is missing: scripts/install-deps installs it")
    log = tmp_path / "trace"
    r = subprocess.run([strace, "-o", str(log), contain, "check", "strict"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    calls = [l for l in log.read_text().splitlines() if l and not l.startswith("+++")]
    assert calls[0].startswith("execve("), calls[:2]
    madvises = []
    for line in calls[1:]:
        if not line.startswith("madvise("):
            break
        madvises.append(line)
    assert madvises, f"the first call after execve is {calls[1]!r}, not a madvise"
    assert all("MADV_POPULATE_WRITE" in m and m.endswith("= 0") for m in madvises), madvises
    populated = sum(int(re.search(r", (\d+), MADV_POPULATE_WRITE", m).group(1)) for m in madvises)
    assert populated >= 64 * 4096, madvises  # .data.rel.ro alone is ~380 KiB
