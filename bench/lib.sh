# Shared by the gateway benchmarks: build, the embedded broker, and wrk runs. Source it from bench/.
# Expects: seconds, connections, out.

swift build -c release --product gatehouse >/dev/null
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)
command -v wrk >/dev/null || ops/install-prerequisites.sh
export GATEHOUSE_BENCH_AUTH=$(printf 'bench:bench-password' | base64)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# wait_for_port PORT: until something accepts connections on 127.0.0.1:PORT (10 s at most).
wait_for_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing listens on $1" >&2; return 1; }
wait_for_line() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no address in $1" >&2; return 1; }

# start_broker: `gatehouse broker` on core 1; sets $bootstrap.
start_broker() {
    rm -f "$out/broker.out" # a stale address from an earlier run must not be read before the new one
    taskset -c 1 "$bin/gatehouse" broker --topic gatehouse.signups.v1:12 --log-level error >"$out/broker.out" &
    pids+=($!)
    wait_for_line "$out/broker.out"
    bootstrap=$(head -1 "$out/broker.out")
}

# serve NAME MODE [EXTRA_YAML]: `gatehouse serve` on core 0 with durability MODE; sets $url and $pid.
serve() {
    local name=$1 mode=$2 extra=${3:-}
    data=$(mktemp -d)
    cat >"$out/$name.yaml" <<YAML
gateway: {host: 127.0.0.1, port: 0, instance: bench}
durability: {mode: $mode, data_dir: "$data"}
kafka: {bootstrap_servers: ["$bootstrap"]}
auth: {connectors: {basic: ["bench:bench-password"]}}
$extra
YAML
    rm -f "$out/$name.out"
    taskset -c 0 "$bin/gatehouse" serve --config "$out/$name.yaml" --log-level error >"$out/$name.out" &
    pid=$!
    pids+=($pid)
    wait_for_line "$out/$name.out"
    url=$(head -1 "$out/$name.out")
}

# stop_server: SIGTERM the last server and remove its data.
stop_server() {
    kill -TERM "$pid"
    wait "$pid" || true
    rm -rf "$data"
}

# run NAME URL PID: a saturating run, then a steady run at about 1,000 requests/s (10 connections,
# 10 ms pause); appends a line of figures to $out/$report.
run() {
    local name=$1 url=$2 pid=$3
    taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/wrk-signup.lua "$url" >"$out/$name.saturated.txt"
    GATEHOUSE_BENCH_DELAY_MS=10 taskset -c 1 wrk -t1 -c10 -d"${seconds}s" --latency -s bench/wrk-signup.lua "$url" >"$out/$name.steady.txt"
    local rps p50 p99 steady_rps steady_p99 rss errors
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.saturated.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$out/$name.saturated.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$out/$name.saturated.txt")
    steady_rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.steady.txt")
    steady_p99=$(awk '$1 == "99%" {print $2}' "$out/$name.steady.txt")
    rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
    errors=$(grep -h "Non-2xx\|Socket errors" "$out/$name.saturated.txt" | tr '\n' ' ' || true)
    echo "$name rps=$rps p50=$p50 p99=$p99 steady_rps=$steady_rps steady_p99=$steady_p99 peak_rss_mb=$rss $errors" | tee -a "$out/$report"
}
