#!/usr/bin/env bash
# Broker benchmark (issue 7): connect latency and bulk throughput to a 127.0.0.1 server, bare vs inside
# `contain run` with network.allow (each connect brokered by the supervisor; the data path is the kernel's).
# Output: bench/results/network.json. Run from the repo root: bench/network/run.sh [CONNECTS] [BYTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${CONTAIN_BIN:-.build/release/contain}
CONNECTS=${1:-500}
BYTES=${2:-$((512 << 20))}
mkdir -p bench/results
WS=$(mktemp -d); chmod 755 "$WS"; cp bench/network/client.py "$WS/"; chmod 644 "$WS/client.py"
python3 bench/network/server.py > "$WS/port" & SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WS"' EXIT
while [ ! -s "$WS/port" ]; do sleep 0.1; done
PORT=$(cat "$WS/port")
printf 'version: 1\nextends: base\nenvironment:\n  network: { allow: ["127.0.0.1:%s"] }\n' "$PORT" > "$WS/net.yaml"
runs() {
  for i in 1 2 3; do "$@" "$WS/client.py" "$PORT" "$CONNECTS" "$BYTES"; done
}
BARE=$(runs python3)
BROKERED=$(runs "$C" run --profile "$WS/net.yaml" --workspace "$WS" -- /usr/bin/python3)
python3 - "$BARE" "$BROKERED" <<'PY' > bench/results/network.json
import json, statistics, sys
def load(text):
    rows = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    return {"connect_us": statistics.median(r["connect_us"] for r in rows),
            "mib_per_s": statistics.median(r["mib_per_s"] for r in rows), "runs": rows}
bare, brokered = load(sys.argv[1]), load(sys.argv[2])
print(json.dumps({"bare": bare, "brokered": brokered,
                  "connect_latency_ratio": round(brokered["connect_us"] / bare["connect_us"], 2),
                  "throughput_ratio": round(brokered["mib_per_s"] / bare["mib_per_s"], 3)}, indent=1))
PY
cat bench/results/network.json
