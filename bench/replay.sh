# Replay benchmark: `gatehouse replay` of N sign-up events to JSON Lines on /dev/null, against a bare
# consume of the same range with kcat to /dev/null, from one `gatehouse broker` in another process.
# Each is timed three times, alternating, and the medians are compared.
#
# The embedded broker answers a fetch with one stored batch per partition, where a real broker sends
# many, and keeps a bounded log per partition (it drops the oldest batches past it). So the events are
# published in large batches to 64 partitions: each fetch then carries as much as a real broker's would,
# and the broker holds about 150k events, which both readers read whole.
#
# Usage: bench/replay.sh [EVENTS] [PARTITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
partitions=${2:-64}
out=bench/out
mkdir -p "$out"
command -v kcat >/dev/null || ops/install-prerequisites.sh
swift build -c release --product gatehouse >/dev/null
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)

"$bin/gatehouse" broker --topic bench-replay:$partitions --log-level error >"$out/broker.out" &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$out/broker.out")
"$bin/GatehouseBench" publish --bootstrap "$bootstrap" --topic bench-replay --count "$events" >/dev/null

seconds() { python3 -c 'import time; print(f"{time.monotonic():.6f}")'; }
elapsed() { python3 -c "print(f'{$(seconds) - $1:.6f}')"; }
kcat_runs=()
replay_runs=()
for _ in 1 2 3; do
    start=$(seconds)
    kcat -b "$bootstrap" -C -t bench-replay -o beginning -e -q >/dev/null
    kcat_runs+=("$(elapsed "$start")")
    start=$(seconds)
    "$bin/gatehouse" replay --bootstrap "$bootstrap" --topic bench-replay --log-level error >/dev/null 2>"$out/replay.err"
    replay_runs+=("$(elapsed "$start")")
done
# Both read the range the broker holds, whose size the replay's summary gives.
held=$(sed -n 's/.*(\([0-9]*\) read from.*/\1/p' "$out/replay.err")
python3 - "$held" "${kcat_runs[*]}" "${replay_runs[*]}" <<'PY' | tee "$out/replay.txt"
import statistics, sys
events = int(sys.argv[1])
kcat = statistics.median(map(float, sys.argv[2].split()))
replay = statistics.median(map(float, sys.argv[3].split()))
print(f"events {events}")
print(f"kcat_seconds {sys.argv[2]}")
print(f"replay_seconds {sys.argv[3]}")
print(f"kcat_events_per_second {events / kcat:.0f}")
print(f"replay_events_per_second {events / replay:.0f}")
print(f"replay: {events / replay:.0f} events/s (target >= 100000), {kcat / replay:.2f} of kcat's {events / kcat:.0f}/s (target >= 0.50)")
PY
