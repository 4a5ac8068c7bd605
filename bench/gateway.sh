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
mkdir -p "$out"
command -v wrk >/dev/null || ops/install-prerequisites.sh

swift build -c release --product gatehouse >/dev/null
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)
export GATEHOUSE_BENCH_AUTH=$(printf 'bench:bench-password' | base64)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

taskset -c 1 "$bin/gatehouse" broker --topic gatehouse.signups.v1:12 --log-level error >"$out/broker.out" &
pids+=($!)
for _ in $(seq 100); do [ -s "$out/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$out/broker.out")

wait_for_line() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no address in $1" >&2; return 1; }

# run NAME URL: saturating run, then a steady run at about 1,000 requests/s (10 connections, 10 ms pause).
run() {
    local name=$1 url=$2 pid=$3
    taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/wrk-signup.lua "$url" >"$out/$name.saturated.txt"
    GATEHOUSE_BENCH_DELAY_MS=10 taskset -c 1 wrk -t1 -c10 -d"${seconds}s" --latency -s bench/wrk-signup.lua "$url" >"$out/$name.steady.txt"
    local rps p50 p99 steady_rps steady_p99 rss
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.saturated.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$out/$name.saturated.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$out/$name.saturated.txt")
    steady_rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.steady.txt")
    steady_p99=$(awk '$1 == "99%" {print $2}' "$out/$name.steady.txt")
    rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
    errors=$(grep -h "Non-2xx\|Socket errors" "$out/$name.saturated.txt" | tr '\n' ' ' || true)
    echo "$name rps=$rps p50=$p50 p99=$p99 steady_rps=$steady_rps steady_p99=$steady_p99 peak_rss_mb=$rss $errors" | tee -a "$out/gateway.txt"
}

: >"$out/gateway.txt"
taskset -c 0 "$bin/GatehouseBench" ceiling --port 18180 &
pids+=($!)
sleep 1
run ceiling "http://127.0.0.1:18180/v1/connectors/post-attribute-collection" "${pids[-1]}"
kill "${pids[-1]}"

for mode in local kafka none; do
    data=$(mktemp -d)
    cat >"$out/$mode.yaml" <<YAML
gateway: {host: 127.0.0.1, port: 0, instance: bench}
durability: {mode: $mode, data_dir: "$data"}
kafka: {bootstrap_servers: ["$bootstrap"]}
auth: {connectors: {basic: ["bench:bench-password"]}}
YAML
    taskset -c 0 "$bin/gatehouse" serve --config "$out/$mode.yaml" --log-level error >"$out/$mode.out" &
    pid=$!
    pids+=($pid)
    wait_for_line "$out/$mode.out"
    url=$(head -1 "$out/$mode.out")
    run "$mode" "$url/v1/connectors/post-attribute-collection" "$pid"
    kill -TERM "$pid"
    wait "$pid" || true
    rm -rf "$data"
done

python3 - "$out/gateway.txt" <<'PY'
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
