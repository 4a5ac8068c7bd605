#!/usr/bin/env bash
# Rules benchmark: decision time with N generated rules against none (`GatehouseBench rules`, in
# process, every decision timed), then gateway throughput with those rules against none: wrk on
# loopback against `gatehouse serve` with durability `none` (so the decision's share is not hidden
# behind fsync), server on core 0, wrk and the embedded broker on core 1.
#
# Usage: bench/rules.sh [RULES] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rules=${1:-1000}
seconds=${2:-10}
connections=${3:-32}
out=bench/out
report=rules.txt
mkdir -p "$out"
source bench/lib.sh

: >"$out/$report"
taskset -c 0 "$bin/GatehouseBench" rules --rules "$rules" | tee -a "$out/$report"
"$bin/GatehouseBench" rules --rules "$rules" --write "$PWD/$out/rules-$rules.yaml"

start_broker
serve rules_0 none
run gateway_rules_0 "$url/v1/connectors/post-attribute-collection" "$pid"
stop_server
serve "rules_$rules" none "rules: {file: \"$PWD/$out/rules-$rules.yaml\"}"
run "gateway_rules_$rules" "$url/v1/connectors/post-attribute-collection" "$pid"
stop_server

python3 - "$out/$report" "$rules" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, *fields = line.split()
    rows[name] = dict(f.split("=", 1) for f in fields if "=" in f)
n = sys.argv[2]
none, many = rows["rules_0"], rows[f"rules_{n}"]
print(f"decision p50 {none['p50_us']} -> {many['p50_us']} us, p99 {none['p99_us']} -> {many['p99_us']} us with {n} rules")
g0, gn = rows["gateway_rules_0"], rows[f"gateway_rules_{n}"]
print(f"gateway: {float(gn['rps']) / float(g0['rps']):.2f} of the zero-rule throughput ({gn['rps']} vs {g0['rps']} rps); "
      f"p99 {g0['p99']} -> {gn['p99']}; steady p99 {g0['steady_p99']} -> {gn['steady_p99']}")
PY
