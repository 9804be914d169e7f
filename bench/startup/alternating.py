"""Start-up measured in alternation: contain, bwrap, bare, contain, bwrap, bare, ... so that every command
runs right after a different one and none pays repeatedly for the kernel work its own previous run left
behind (namespace teardown continues after a sandbox's process has exited; hyperfine's back-to-back runs
charge it to the next run of the same command). Reports medians and the 10th/90th percentiles.

Usage: alternating.py ROUNDS NAME=COMMAND...   (COMMAND is split like a shell would, no shell runs it)
Output: JSON on stdout: {name: {"median_ms", "p10_ms", "p90_ms", "runs"}}."""
import json
import shlex
import subprocess
import sys
import time

rounds = int(sys.argv[1])
commands = [(a.split("=", 1)[0], shlex.split(a.split("=", 1)[1])) for a in sys.argv[2:]]
for _, argv in commands:  # warm-up: page cache, first-run effects
    for _ in range(5):
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
times = {name: [] for name, _ in commands}
for _ in range(rounds):
    for name, argv in commands:
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[name].append((time.perf_counter() - t) * 1000)
out = {}
for name, ts in times.items():
    ts.sort()
    out[name] = {"median_ms": round(ts[len(ts) // 2], 3), "p10_ms": round(ts[len(ts) // 10], 3),
                 "p90_ms": round(ts[9 * len(ts) // 10], 3), "runs": len(ts)}
json.dump(out, sys.stdout, indent=1)
print()
