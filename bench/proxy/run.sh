#!/usr/bin/env bash
# Transport-wall benchmark, all configurations measured in one run on the same machine, same echo server:
#   direct        driver -> echo_server
#   relay         driver -> plain byte relay (relay.c) -> echo_server            (the 2x throughput yardstick)
#   contain-env   driver -> contain run --profile base (no mcp section: stdio untouched) -> echo_server
#   contain-wall  driver -> contain run --profile bench/proxy/bench.yaml (transport wall on) -> echo_server
#   contain-wall-before  the same with the binary in $CONTAIN_BEFORE, when set (an older build, for
#                 before/after numbers measured in the same run)
# Added latency of the transport wall = contain-wall - contain-env (same sandbox, only the wall differs).
# The configurations take turns for ROUNDS rounds, every other round in reverse order, and each figure is the
# median of its rounds, so a burst of load from elsewhere on the machine, or a place in the round, lands on
# every configuration alike instead of on one of them.
# Output: bench/results/proxy/*.json and a markdown table on stdout (paste into docs/benchmarks.md).
# Usage (repo root or anywhere): bench/proxy/run.sh
#   env: N_LAT (20000), N_1K (100000), N_1M (300), ROUNDS (7), CONTAIN, CONTAIN_BEFORE
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
C=${CONTAIN:-$ROOT/.build/release/contain}
[ -x "$C" ] || swift build -c release --product contain
OUT=bench/results/proxy
mkdir -p "$OUT"
for p in driver relay echo_server; do cc -O2 -Wall -pthread -o "$OUT/$p" "bench/proxy/$p.c"; done
WS=$(mktemp -d)
trap 'rm -rf "$WS"' EXIT
cp "$OUT/echo_server" "$WS/"
chmod 755 "$WS" "$WS/echo_server"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$WS"

N_LAT=${N_LAT:-20000}; N_1K=${N_1K:-100000}; N_1M=${N_1M:-300}; ROUNDS=${ROUNDS:-7}
declare -A CMD=(
  [direct]="$WS/echo_server"
  [relay]="$OUT/relay $WS/echo_server"
  [contain-env]="$C run --profile base --workspace $WS -- $WS/echo_server"
  [contain-wall]="$C run --profile $ROOT/bench/proxy/bench.yaml --workspace $WS -- $WS/echo_server"
)
ORDER="direct relay contain-env contain-wall"
if [ -n "${CONTAIN_BEFORE:-}" ]; then
  CMD[contain-wall-before]="$CONTAIN_BEFORE run --profile $ROOT/bench/proxy/bench.yaml --workspace $WS -- $WS/echo_server"
  ORDER="$ORDER contain-wall-before"
fi
for cfg in $ORDER; do : > "$OUT/$cfg.jsonl"; done
REVERSED=$(echo "$ORDER" | tr ' ' '\n' | tac | tr '\n' ' ')
for round in $(seq "$ROUNDS"); do
  # Every other round in reverse order: a configuration's place in the round changes its numbers (the one
  # measured right after another contain run came out ~8% faster at 1 MiB, whichever binary it was).
  if [ $((round % 2)) = 0 ]; then CFGS=$REVERSED; else CFGS=$ORDER; fi
  for cfg in $CFGS; do
    # shellcheck disable=SC2086
    { "$OUT/driver" latency "$N_LAT" -- ${CMD[$cfg]}
      "$OUT/driver" throughput "$N_1K" 1024 -- ${CMD[$cfg]}
      "$OUT/driver" throughput "$N_1M" 1048576 -- ${CMD[$cfg]}
    } >> "$OUT/$cfg.jsonl"
    echo "round $round: measured $cfg" >&2
  done
done
{ uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo || true; echo "rounds: $ROUNDS (medians)"; } > "$OUT/machine.txt"
python3 bench/proxy/report.py "$OUT" $ORDER

# Proxy memory must not grow with the number of messages: contain's peak RSS (GNU time %M) through the wall
# for N and 10 N one-KiB round trips.
for n in "$N_1K" $((N_1K * 10)); do
  # shellcheck disable=SC2086
  "$OUT/driver" throughput "$n" 1024 -- /usr/bin/time -f %M -o "$OUT/rss-$n.txt" ${CMD[contain-wall]} > /dev/null
done
echo
echo "Peak RSS of contain (supervisor + wall) through the wall: $N_1K x 1 KiB round trips $(( $(tail -1 "$OUT/rss-$N_1K.txt") / 1024 )) MiB, $((N_1K * 10)) x 1 KiB $(( $(tail -1 "$OUT/rss-$((N_1K * 10)).txt") / 1024 )) MiB (goal: independent of message count)."
