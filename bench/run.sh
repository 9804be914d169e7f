#!/usr/bin/env bash
# Reproducible benchmarks of contain against its peers, all measured in the same run on the same machine:
#   start-up:     contain run --profile strict -- /bin/true   vs bwrap (same namespaces + a filter of the same size),
#                 unshare -Urmpfn, firejail --noprofile, and bare /bin/true
#   steady state: a syscall-heavy loop (getppid + small reads) bare vs under contain's base profile, and the floor:
#                 the same loop with no filter, a 1-instruction allow filter and contain's program (bench/steady/)
#   memory:       the supervisor's peak RSS while a server runs
# Results: bench/results/*.json (raw hyperfine output) and docs/benchmarks.md (ratios + machine description).
# Run as root (firejail needs it here) from the repo root: bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null && command -v bwrap >/dev/null && command -v firejail >/dev/null \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine bubblewrap firejail strace >/dev/null
[ -x .build/release/contain ] || scripts/build-release
mkdir -p bench/results
OUT=bench/results
C=.build/release/contain
RUNS=${RUNS:-200}

# A filter for bwrap with the same number of instructions as contain's strict profile.
$C check --export-bpf "$OUT/strict.bpf" strict >/dev/null
# bwrap reads the filter from an fd to its end, so each run needs a fresh fd: a `sh -c exec` opens it per run
# (that adds one dash exec, ~0.5 ms, to bwrap's numbers; measured as sh-true below so it can be subtracted).
BPF=$(realpath "$OUT/strict.bpf")

# A profile of the user's own (strict plus one more allowed call): its seccomp program is compiled at start-up,
# where the shipped profiles' programs come precompiled in the binary.
printf 'version: 1\nextends: strict\nenvironment:\n  syscalls:\n    allow: [sched_setaffinity]\n' > "$OUT/custom.yaml"
CUSTOM=$(realpath "$OUT/custom.yaml")
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$OUT/startup.json" \
  -n bare "/bin/true" \
  -n contain-strict "$C run --profile strict -- /bin/true" \
  -n contain-custom "$C run --profile $CUSTOM -- /bin/true" \
  -n bwrap-nofilter "bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL /bin/true" \
  -n bwrap "sh -c 'exec bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL --seccomp 9 /bin/true 9<$BPF'" \
  -n sh-true "sh -c 'exec /bin/true'" \
  -n unshare "unshare -Urmpfn /bin/true" \
  -n firejail "firejail --quiet --noprofile /bin/true" >&2

# The same commands in alternation (see the script for why); bwrap opens its filter through sh as in the
# hyperfine run (sh-true is measured to subtract it).
python3 bench/startup/alternating.py "${ALT_ROUNDS:-200}" \
  "contain-strict=$C run --profile strict -- /bin/true" \
  "bwrap-nofilter=bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL /bin/true" \
  "bwrap=sh -c 'exec bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL --seccomp 9 /bin/true 9<$BPF'" \
  "sh-true=sh -c 'exec /bin/true'" \
  "bare=/bin/true" > "$OUT/startup-alternating.json"

gcc -O2 -o "$OUT/getppid_loop" bench/getppid_loop.c
gcc -O2 -o "$OUT/floor" bench/steady/floor.c
$C check --export-bpf "$OUT/base.bpf" base >/dev/null
BASEBPF=$(realpath "$OUT/base.bpf")
# The one-instruction "allow everything" filter: what any seccomp sandbox pays per syscall (see bench/steady/floor.c).
printf '\006\000\000\000\000\000\377\177' > "$OUT/allow1.bpf"
ALLOW1=$(realpath "$OUT/allow1.bpf")
WS=$(mktemp -d); cp "$OUT/getppid_loop" "$WS/"; chmod 755 "$WS" "$WS/getppid_loop"; chown -R 65534:65534 "$WS" || true
hyperfine -N --warmup 2 --runs "${STEADY_RUNS:-30}" --export-json "$OUT/steady.json" \
  -n bare "$WS/getppid_loop 1000000" \
  -n contain-base "$C run --profile base --workspace $WS -- $WS/getppid_loop 1000000" \
  -n bwrap-base-filter "sh -c 'exec bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --seccomp 9 $WS/getppid_loop 1000000 9<$BASEBPF'" \
  -n bwrap-allow1-filter "sh -c 'exec bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --seccomp 9 $WS/getppid_loop 1000000 9<$ALLOW1'" \
  -n bwrap-no-filter "bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev $WS/getppid_loop 1000000" >&2 || true
# The same loop in-process: no filter vs the 1-instruction filter vs contain's base program, best of 9 interleaved rounds.
"$OUT/floor" "$OUT/base.bpf" 1000000 9 > "$OUT/floor.json" || true
# Which syscalls the kernel's action cache answers without running the filter (it can for unconditional allows).
python3 bench/steady/cache_check.py "$OUT/base.bpf" > "$OUT/cache.json" || true

# Supervisor peak RSS while a Python server runs (sleeps 2 s inside the sandbox).
/usr/bin/time -f '%M' -o "$OUT/rss.txt" $C run --profile base --workspace "$WS" -- /usr/bin/python3 -c 'import time; time.sleep(2)' || true

# The hand-written "Reading these numbers" section at the end of docs/benchmarks.md survives a re-run.
READING=$(mktemp); sed -n '/^## Reading these numbers/,$p' docs/benchmarks.md > "$READING" 2>/dev/null || true
python3 bench/report.py "$OUT" > docs/benchmarks.md
# The wall-specific benchmarks print their own markdown sections.
for b in proxy network learn; do
  if [ -x "bench/$b/run.sh" ]; then
    printf '\n## %s (bench/%s/run.sh)\n\n' "$b" "$b" >> docs/benchmarks.md
    if "bench/$b/run.sh" > "$OUT/$b.md" 2>"$OUT/$b.log"; then
      # A bench that prints JSON (network) is shown as such.
      if [ "$(head -c1 "$OUT/$b.md")" = "{" ]; then { echo '```json'; cat "$OUT/$b.md"; echo '```'; } >> docs/benchmarks.md
      else cat "$OUT/$b.md" >> docs/benchmarks.md; fi
    else
      echo "(bench/$b/run.sh failed: see bench/results/$b.log)" >> docs/benchmarks.md
    fi
  fi
done
if [ -s "$READING" ]; then { echo; cat "$READING"; } >> docs/benchmarks.md; fi
echo "wrote docs/benchmarks.md (update 'Reading these numbers' by hand)" >&2
