#!/usr/bin/env bash
# Gateway benchmark: wrk on loopback against `gatehouse serve` (release build) writing to an embedded
# Kafka cluster (`gatehouse broker`, another process), once per durability mode, and against a bare
# Hummingbird route that answers a constant Continue: the ceiling on this machine. The server is pinned
# to core 0; wrk and the broker share core 1.
#
# Usage: bench/gateway.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
out=bench/out
report=gateway.txt
mkdir -p "$out"
source bench/lib.sh

start_broker
: >"$out/$report"
taskset -c 0 "$bin/GatehouseBench" ceiling --port 18180 &
pids+=($!)
sleep 1
run ceiling "http://127.0.0.1:18180/v1/connectors/post-attribute-collection" "${pids[-1]}"
kill "${pids[-1]}"

for mode in local kafka none; do
    serve "$mode" "$mode"
    run "$mode" "$url/v1/connectors/post-attribute-collection" "$pid"
    stop_server
done

python3 - "$out/$report" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, *fields = line.split()
    rows[name] = dict(f.split("=", 1) for f in fields if "=" in f)
ceiling = float(rows["ceiling"]["rps"])
for mode, target in (("local", 0.60), ("none", 0.85), ("kafka", None)):
    ratio = float(rows[mode]["rps"]) / ceiling
    goal = f" (target >= {target:.2f})" if target else ""
    print(f"{mode}: {ratio:.2f} of the ceiling's throughput{goal}; steady p99 {rows[mode]['steady_p99']}; peak RSS {rows[mode]['peak_rss_mb']} MB")
PY
