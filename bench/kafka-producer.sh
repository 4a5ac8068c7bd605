#!/usr/bin/env bash
# Producer benchmark: Gatehouse's KafkaProducer against a plain C librdkafka producer with the same
# settings, both writing to one standalone `gatehouse broker` (librdkafka's embedded cluster) in
# another process. Prints each figure and the ratios.
#
# Usage: bench/kafka-producer.sh [MESSAGES] [LATENCY_SAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-500000}
samples=${2:-2000}
out=bench/out
mkdir -p "$out"

swift build -c release --product gatehouse >/dev/null
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)
gcc -O2 -o "$out/c-producer" bench/c-producer/producer.c $(pkg-config --cflags --libs rdkafka)

"$bin/gatehouse" broker --topic bench-swift:4 --topic bench-c:4 --log-level error >"$out/broker.out" &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$out/broker.out")
echo "broker $bootstrap"

"$bin/GatehouseBench" producer --bootstrap "$bootstrap" --topic bench-swift --messages "$messages" \
    --latency-samples "$samples" | tee "$out/swift.txt"
"$out/c-producer" "$bootstrap" bench-c "$messages" 256 5 "$samples" | tee "$out/c.txt"

value() { awk -v k="$1" '$1 == k {print $2}' "$out"/*.txt; }
python3 - "$(value swift_throughput_messages_per_second)" "$(value c_throughput_messages_per_second)" \
    "$(value swift_send_latency_p99_ms)" "$(value c_send_latency_p99_ms)" <<'PY'
import sys
swift, c, swift_p99, c_p99 = map(float, sys.argv[1:])
print(f"throughput ratio swift/c {swift / c:.2f} (target >= 0.85)")
print(f"send p99 swift {swift_p99:.3f} ms vs c {c_p99:.3f} ms (target < 5 ms)")
PY
