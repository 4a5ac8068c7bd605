#!/usr/bin/env bash
# Gateway benchmark: wrk on loopback against `gatehouse serve` (release build) writing to an embedded
# Kafka cluster (`gatehouse broker`, another process), once per durability mode, and against a bare
# Hummingbird route that answers a constant Continue: the ceiling on this machine. The same route checking
# Basic auth and reading the body first is the floor: what any connector endpoint pays before its own
# work, which bounds how close to the ceiling the gateway can come. The server is pinned
# to core 0; wrk and the broker share core 1. All of it runs ROUNDS times, the ceiling and the modes
# alternating, and the figures are medians: a single run on this 2-core machine can be 10-20% off.
#
# Usage: bench/gateway.sh [SECONDS] [CONNECTIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
rounds=${3:-3}
out=bench/out
report=gateway.txt
mkdir -p "$out"
source bench/lib.sh

# bare NAME PORT [FLAGS]: `GatehouseBench ceiling` on core 0, measured as NAME, then stopped.
bare() {
    local name=$1 port=$2
    shift 2
    taskset -c 0 "$bin/GatehouseBench" ceiling --port "$port" "$@" &
    pids+=($!)
    wait_for_port "$port"
    run "$name" "http://127.0.0.1:$port/v1/connectors/post-attribute-collection" "${pids[-1]}"
    kill "${pids[-1]}"
}

start_broker
: >"$out/$report"
for round in $(seq "$rounds"); do
    echo "round $round of $rounds"
    bare ceiling 18180
    bare floor 18181 --read-request

    for mode in local kafka none; do
        serve "$mode" "$mode"
        run "$mode" "$url/v1/connectors/post-attribute-collection" "$pid"
        stop_server
    done
done

python3 - "$out/$report" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, *fields = line.split()
    runs.setdefault(name, []).append(dict(f.split("=", 1) for f in fields if "=" in f))
def median(name, key, unit=""):
    values = [float(run[key].removesuffix(unit)) for run in runs[name]]
    return statistics.median(values)
ceiling = median("ceiling", "rps")
print(f"ceiling: {ceiling:.0f} requests/s (median of {len(runs['ceiling'])})")
floor = median("floor", "rps")
print(f"floor (the ceiling's route checking Basic auth and reading the body): {floor:.0f} requests/s, "
      f"{floor / ceiling:.2f} of the ceiling's throughput")
for mode, target in (("local", 0.60), ("none", 0.85), ("kafka", None)):
    rps = median(mode, "rps")
    goal = f" (target >= {target:.2f})" if target else ""
    steady = [run["steady_p99"] for run in runs[mode]]
    rss = max(int(run["peak_rss_mb"]) for run in runs[mode])
    print(f"{mode}: {rps:.0f} requests/s, {rps / ceiling:.2f} of the ceiling's throughput{goal}; "
          f"steady p99 {' '.join(steady)}; peak RSS {rss} MB")
PY
