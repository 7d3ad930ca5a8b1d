#!/usr/bin/env bash
# Reproduces docs/performance.md on this machine: the machine's limits and the hub's figures in
# one run, on the same disk (the system temp dir), then the criterion benchmarks.
#   bash scripts/perf.sh            # about five minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
B=target/release/guardia
echo "## $(date -u +%FT%TZ) · $(nproc) cores · $(uname -sr)"
echo "### limits and ingest"
$B bench --baseline --rate 5000 --duration 10 --subscribers 0 --phones 5000
for args in "--rate 500 --subscribers 100" "--rate 100 --subscribers 1000" "--rate 2000 --subscribers 10"; do
  echo "### $args"
  $B bench $args --duration 10
done

echo "### 10,000 subscribers: the hub's own memory (a separate process)"
dir=$(mktemp -d)
token=$($B admin staff add --db "$dir/m.db" --name Bench --role supervisor | sed -n 's/.*safely): //p')
NO_COLOR=1 $B hub --listen 127.0.0.1:18799 --db "$dir/m.db" > "$dir/hub.log" 2>&1 &
hub=$!
sleep 1
echo "idle hub: $(grep VmRSS /proc/$hub/status)"
GUARDIA_TOKEN=$token $B bench --hub http://127.0.0.1:18799 --rate 20 --duration 20 \
  --subscribers 10000 --phones 50 > "$dir/bench.out" &
sleep 15
echo "hub holding 10,000 streams: $(grep VmRSS /proc/$hub/status)"
wait %2 || true
echo "hub peak: $(grep VmHWM /proc/$hub/status)"
kill $hub
rm -rf "$dir"

echo "### criterion"
cargo bench --quiet 2>&1 | grep -E "^(console|store)/|time:"
