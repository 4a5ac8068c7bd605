#!/usr/bin/env bash
# Worker benchmark: against librdkafka's embedded cluster (in the benchmark's process, with its topics
# of 12 partitions), a bare consumer that only reads and commits (the baseline), the audit worker into
# SQLite, the audit worker into PostgreSQL (a server the benchmark starts from Debian's binaries, fsync
# on; --no-postgres skips it), and the notifications worker to a local webhook receiver (in the same
# process, answering 204) with 64 requests in flight.
#
# Usage: bench/workers.sh [EVENTS] [NOTIFICATIONS] [--no-postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
notifications=${2:-20000}
out=bench/out
mkdir -p "$out"
swift build -c release --product GatehouseBench >/dev/null
bin=$(swift build -c release --show-bin-path)

"$bin/GatehouseBench" workers --count "$events" --notifications "$notifications" "${@:3}" | tee "$out/workers.txt"
python3 - "$out/workers.txt" <<'PY'
import sys
values = dict(line.split() for line in open(sys.argv[1]) if len(line.split()) == 2)
bare = float(values["bare_consumer_events_per_second"])
for name, target in (("audit", 10000), ("audit_postgres", 10000), ("notifications", 2000)):
    if f"{name}_events_per_second" not in values:
        continue
    rate = float(values[f"{name}_events_per_second"])
    print(f"{name}: {rate:.0f} events/s (target >= {target}), {rate / bare:.2f} of the bare consumer's {bare:.0f}/s")
PY
