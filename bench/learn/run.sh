#!/usr/bin/env bash
# Learn-mode overhead against `strace -f -c` on the same workloads, measured in one run on one machine.
# Both observe every syscall a workload makes from outside the process; contain learn additionally
# decodes paths and writes a profile at the end (included in its time, as a user would see it).
#
# Workloads:
#   open-loop:  a C loop of stat/open/read/close/opendir (every iteration is traced by learn)
#   python:     Python starting and importing a dozen stdlib modules (an MCP server's start-up)
#   shell:      dash running 100 short commands (fork/exec heavy, like a shell-exec server; named by its
#               real path: contain run binds a command at its real location, see docs/learn.md)
# Each is also timed bare, and under the learned profile with `contain run` (the enforcement cost).
# Results: bench/results/learn-*.json (hyperfine) and a ratio table on stdout.
# Run from the repo root: bench/learn/run.sh   (RUNS=N to change the number of runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null && command -v strace >/dev/null \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine strace >/dev/null
C=${CONTAIN_BIN:-$PWD/.build/release/contain}
[ -x "$C" ] || scripts/build-release
OUT=bench/results
RUNS=${RUNS:-10}
mkdir -p "$OUT"

WS=$(mktemp -d /tmp/contain-learn-bench.XXXXXX)
trap 'rm -rf "$WS"' EXIT
chmod 755 "$WS"
gcc -O2 -o "$WS/open_loop" bench/learn/open_loop.c
mkdir "$WS/data"
for i in 0 1 2 3 4 5 6 7; do head -c 200 /dev/urandom > "$WS/data/f$i"; done
chown -R 65534:65534 "$WS" 2>/dev/null || true

declare -A WORK
WORK[open-loop]="$WS/open_loop $WS/data 20000"
WORK[python]="/usr/bin/python3 -c 'import json,email.parser,http.client,asyncio,decimal,xml.dom.minidom,sqlite3,logging.handlers,argparse,csv'"
WORK[shell]="/usr/bin/dash -c 'for i in \$(seq 100); do ls $WS/data > /dev/null; done'"

for name in open-loop python shell; do
  w=${WORK[$name]}
  # A profile learned from the workload, for the enforcement row.
  eval "$C learn --no-mcp --output $WS/$name.yaml --workspace $WS -- $w" > /dev/null 2>&1
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/learn-$name.json" \
    -n bare "$w" \
    -n strace-f-c "strace -f -c -o /dev/null $w" \
    -n contain-learn "$C learn --no-mcp --output $WS/$name-bench.yaml --workspace $WS -- $w" \
    -n contain-run-learned "$C run --profile $WS/$name.yaml --workspace $WS -- $w" >&2
done

python3 - "$OUT" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
print("| workload | bare | strace -f -c | contain learn | learn / strace | run (learned profile) |")
print("|---|---|---|---|---|---|")
for name in ["open-loop", "python", "shell"]:
    r = {x["command"]: x["mean"] for x in json.loads((out / f"learn-{name}.json").read_text())["results"]}
    ms = lambda k: f"{r[k] * 1000:.1f} ms"
    print(f"| {name} | {ms('bare')} | {ms('strace-f-c')} | {ms('contain-learn')} | "
          f"{r['contain-learn'] / r['strace-f-c']:.2f}x | {ms('contain-run-learned')} |")
PY
