#!/usr/bin/env python3
"""Turns bench/results/proxy/*.jsonl into a markdown table (run by bench/proxy/run.sh).
Each configuration may have several rounds; every figure is the median over them."""
import json, sys, pathlib, statistics

out = pathlib.Path(sys.argv[1])
order = sys.argv[2:]


def median_record(recs):
    return {k: statistics.median(r[k] for r in recs) if isinstance(recs[0][k], (int, float)) else recs[0][k]
            for k in recs[0]}


rows = {}
for cfg in order:
    recs = [json.loads(l) for l in (out / f"{cfg}.jsonl").read_text().splitlines() if l.strip()]
    lat = median_record([r for r in recs if r["mode"] == "latency"])
    t1k = median_record([r for r in recs if r["mode"] == "throughput" and r["size"] == 1024])
    t1m = median_record([r for r in recs if r["mode"] == "throughput" and r["size"] == 1048576])
    rows[cfg] = (lat, t1k, t1m)

print("Machine: " + " / ".join(l.strip() for l in (out / "machine.txt").read_text().splitlines()))
print()
print("| configuration | RTT p50 (us) | p90 | p99 | 1 KiB msgs/s | 1 MiB msgs/s | 1 MiB MiB/s |")
print("|---|---:|---:|---:|---:|---:|---:|")
for cfg in order:
    lat, t1k, t1m = rows[cfg]
    print(f"| {cfg} | {lat['p50_us']:.1f} | {lat['p90_us']:.1f} | {lat['p99_us']:.1f} | "
          f"{t1k['msgs_per_s']:.0f} | {t1m['msgs_per_s']:.1f} | {t1m['mib_per_s']:.1f} |")
print()
for wall in ("contain-wall", "contain-wall-before"):
    if wall in rows and "contain-env" in rows:
        w, e = rows[wall], rows["contain-env"]
        print(f"Added by the transport wall ({wall} - contain-env): p50 {w[0]['p50_us'] - e[0]['p50_us']:+.1f} us, "
              f"p99 {w[0]['p99_us'] - e[0]['p99_us']:+.1f} us.")
    if wall in rows and "relay" in rows:
        w, r = rows[wall], rows["relay"]
        print(f"Throughput vs a plain byte relay ({wall}): 1 KiB {w[1]['msgs_per_s'] / r[1]['msgs_per_s']:.2f}x, "
              f"1 MiB {w[2]['msgs_per_s'] / r[2]['msgs_per_s']:.2f}x (goal: >= 0.5x).")
