"""Turns bench/run.sh's raw results into the start-up / steady-state / memory sections of docs/benchmarks.md.
Every ratio compares commands measured in the same hyperfine run on the same machine."""
import json
import pathlib
import platform
import subprocess
import sys

out = pathlib.Path(sys.argv[1])


def load(name):
    p = out / name
    return json.loads(p.read_text())["results"] if p.exists() else []


def table(results, base_name, title, goal):
    if not results:
        return f"### {title}\n\n(not measured)\n"
    by = {r["command"]: r for r in results}
    base = by.get(base_name)
    lines = [f"### {title}", "", goal, "",
             "| command | mean | median | stddev | vs " + base_name + " |", "|---|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r['mean'] / base['mean']:.2f}x" if base else "-"
        lines.append(f"| {r['command']} | {r['mean'] * 1000:.2f} ms | {r['median'] * 1000:.2f} ms | "
                     f"{r['stddev'] * 1000:.2f} ms | {ratio} |")
    return "\n".join(lines) + "\n"


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = open("/proc/loadavg").read().split()[:3]
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0:1]
    return (f"- kernel {platform.release()}, {platform.machine()}, {cpu}, "
            f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores\n"
            f"- load average when the report was written: {' '.join(load)}\n"
            f"- {swift[0] if swift else 'swift ?'}; bwrap {subprocess.run(['bwrap', '--version'], capture_output=True, text=True).stdout.strip()}; "
            f"{subprocess.run(['firejail', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}\n")


print("# Benchmarks\n")
print("Reproduce with `bench/run.sh` (as root, from the repository root). Each table comes from one hyperfine run\n"
      "in which every command was measured on the same machine in the same session; ratios are of means.\n")
print("## Machine\n")
print(machine())
print("## Start-up\n")
print(table(load("startup.json"), "bwrap", "`/bin/true` in a sandbox",
            "Goal: `contain run --profile strict` no slower than bwrap with the same namespaces and a filter of the "
            "same size (`contain check --export-bpf` gives bwrap contain's own strict program)."))
start = {r["command"]: r["mean"] for r in load("startup.json")}
if {"contain-strict", "bwrap", "sh-true", "bare"} <= start.keys():
    sh = start["sh-true"] - start["bare"]
    alone = start["bwrap"] - sh
    print(f"bwrap needs `sh -c` to open its filter fd; without the shell's own cost (sh-true - bare = "
          f"{sh * 1000:.2f} ms) bwrap takes {alone * 1000:.2f} ms, and contain-strict is "
          f"**{start['contain-strict'] / alone:.2f}x** of that (bwrap-nofilter, no shell and no filter: "
          f"{start.get('bwrap-nofilter', 0) * 1000:.2f} ms). contain-custom is a profile of one's own (`extends: "
          f"strict` plus one allowed call), whose seccomp program is compiled at start-up; the shipped profiles' "
          f"programs come precompiled.\n")
alt = out / "startup-alternating.json"
if alt.exists():
    a = json.loads(alt.read_text())
    print("### The same, in alternation\n")
    print("`bench/startup/alternating.py`: the commands take turns (contain, bwrap without a filter, bwrap, sh-true, "
          "bare, contain, ...), so no command pays over and over for the kernel work that its own previous run left "
          "behind, as it does in hyperfine's back-to-back runs. Medians, with the 10th and 90th percentiles.\n")
    print("| command | median | p10 | p90 | vs bwrap |")
    print("|---|---:|---:|---:|---:|")
    for name, r in a.items():
        ratio = f"{r['median_ms'] / a['bwrap']['median_ms']:.2f}x" if "bwrap" in a else "-"
        print(f"| {name} | {r['median_ms']:.2f} ms | {r['p10_ms']:.2f} ms | {r['p90_ms']:.2f} ms | {ratio} |")
    if {"contain-strict", "bwrap", "sh-true", "bare"} <= a.keys():
        alone = a["bwrap"]["median_ms"] - (a["sh-true"]["median_ms"] - a["bare"]["median_ms"])
        print(f"\nbwrap without its sh: {alone:.2f} ms; contain-strict is **{a['contain-strict']['median_ms'] / alone:.2f}x** "
              f"of that.\n")
print("## Steady state\n")
print(table(load("steady.json"), "bare", "1 M getppid() + 1 M 64-byte reads",
            "Goal: under 5% slower than bare under the base profile (every syscall passes the seccomp filter)."))
floor = out / "floor.json"
if floor.exists():
    f = json.loads(floor.read_text())
    ns = f["ns_per_iteration"]
    print("### The floor: what seccomp costs before any filter runs\n")
    print(f"`bench/steady/floor.c`: the same loop in one process tree, best of {f['rounds']} interleaved rounds of "
          f"{f['iterations']:,} iterations (one getppid + one read each), with no filter, with a one-instruction "
          f"\"allow everything\" filter, and with contain's {f['filter_instructions']}-instruction base program.\n")
    print("| filter | ns per iteration | vs none | vs allow1 |")
    print("|---|---:|---:|---:|")
    for k in ("none", "allow1", "contain"):
        print(f"| {k} | {ns[k]:.1f} | {ns[k] / ns['none']:.2f}x | {ns[k] / ns['allow1']:.2f}x |")
    print()
cache = out / "cache.json"
if cache.exists():
    c = json.loads(cache.read_text())
    print(f"`bench/steady/cache_check.py` (the kernel's own seccomp_is_const_allow, replayed): the kernel answers "
          f"{c['cached_allow']} of {c['syscalls']} x86_64 syscalls from its action cache without running the "
          f"program; hot syscalls that miss it: {', '.join(c['hot_missing_cache']) or 'none'}.\n")
rss = out / "rss.txt"
if rss.exists():
    kib = rss.read_text().strip().splitlines()[-1]
    print("## Supervisor memory\n")
    print(f"Peak RSS of `contain run --profile base` (the supervisor process; GNU time %M) while a Python "
          f"process sleeps 2 s inside: **{int(kib) / 1024:.1f} MiB** (goal: under 15 MiB).\n")
