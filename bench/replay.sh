#!/usr/bin/env bash
# Replay benchmark: `gatehouse replay` of N sign-up events to JSON Lines on /dev/null, against a bare
# consume of the same range with kcat to /dev/null, from one `gatehouse broker` in another process.
#
# Usage: bench/replay.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
out=bench/out
mkdir -p "$out"
command -v kcat >/dev/null || ops/install-prerequisites.sh
swift build -c release --product gatehouse >/dev/null
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)

"$bin/gatehouse" broker --topic bench-replay:12 --log-level error >"$out/broker.out" &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$out/broker.out")
"$bin/GatehouseBench" publish --bootstrap "$bootstrap" --topic bench-replay --count "$events" >/dev/null

seconds() { python3 -c 'import sys, time; print(f"{time.monotonic():.6f}")'; }
start=$(seconds)
kcat -b "$bootstrap" -C -t bench-replay -o beginning -e -q >/dev/null
kcat_seconds=$(python3 -c "print($(seconds) - $start)")
start=$(seconds)
"$bin/gatehouse" replay --bootstrap "$bootstrap" --topic bench-replay --log-level error >/dev/null 2>"$out/replay.err"
replay_seconds=$(python3 -c "print($(seconds) - $start)")
# The embedded broker keeps a bounded log per partition (about 2,400 of these events) and drops the
# oldest messages past it, and it serves fetches slowly: with 96 partitions, to hold 187k events,
# kcat itself read only 20k events/s. The embedded broker keeps a bounded log per partition and drops the oldest messages past it: both
# read the range it holds, whose size the replay's summary gives.
held=$(sed -n 's/.*(\([0-9]*\) read from.*/\1/p' "$out/replay.err")
python3 - "$held" "$kcat_seconds" "$replay_seconds" <<'PY' | tee "$out/replay.txt"
import sys
events, kcat, replay = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"events {events}")
print(f"kcat_events_per_second {events / kcat:.0f}")
print(f"replay_events_per_second {events / replay:.0f}")
print(f"replay: {events / replay:.0f} events/s (target >= 100000), {kcat / replay:.2f} of kcat's {events / kcat:.0f}/s (target >= 0.50)")
PY
