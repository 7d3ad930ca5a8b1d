#!/usr/bin/env bash
# A year of a national network on one hub: fills a hub over HTTP with N open cases (one
# enrollment and one press each; three in ten in one metro area, the rest across the consulates'
# cities), then measures what docs/performance.md "Scale" reports for each size:
#   resident memory idle over two minutes (min / max), during 10 national snapshots at once (max),
#   one snapshot's time and bytes, restart time, backlog and handover time, the escalation and
#   raid passes' mean time (from /metrics), disk bytes per case (the database's own pages right
#   after the fill: one enrollment and one press each, whatever size the WAL file has grown to).
#   The SLA is one minute here, so the idle two minutes are spent escalating the filled cases
#   500 a pass.
#   bash scripts/scale.sh                 # 10,000 50,000 100,000
#   bash scripts/scale.sh 10000 30000     # these sizes
# Everything listens on 127.0.0.1 only; run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
B=${CARGO_TARGET_DIR:-target}/release/guardia
work=$(mktemp -d)
hub_pid=
cleanup() {
  [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The shipped settings but for what stops a load generator on one address: phones enroll
# without a texted code and no per-address or per-number limit applies.
cat > "$work/hub.toml" <<'TOML'
[urgency]
sla_minutes = 1
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
lookups_per_staff_per_minute = 0
case_reads_per_staff_per_minute = 0
reports_per_staff_per_minute = 0
TOML

rss() { awk '/VmRSS/{print int($2/1024)}' "/proc/$hub_pid/status"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

start_hub() {
  NO_COLOR=1 $B --config "$work/hub.toml" hub --listen "127.0.0.1:$port" --db "$db" \
    >> "$work/hub.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 400); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && return 0
    sleep 0.025
  done
  echo "the hub did not start" >&2
  cat "$work/hub.log" >&2
  exit 1
}

# One national snapshot, paged as a console reads it: prints "seconds bytes cases".
cat > "$work/snapshot.py" <<'PY'
import json, sys, time, urllib.request
url, token = sys.argv[1], sys.argv[2]
start, after, size, n = time.time(), 0, 0, 0
while True:
    req = urllib.request.Request(f"{url}/v1/cases?after={after}",
                                 headers={"Authorization": f"Bearer {token}"})
    body = urllib.request.urlopen(req, timeout=120).read()
    size += len(body)
    page = json.loads(body)
    n += len(page["cases"])
    if not page.get("next_after"):
        break
    after = page["next_after"]
print(f"{time.time() - start:.2f} {size} {n}")
PY

echo "## $(date -u +%FT%TZ) · $(nproc) cores · $(uname -sr) · $($B --version)"
echo "| open cases | idle RSS min–max (MiB) | RSS, 10 snapshots at once (MiB) | snapshot (s, MB) | 10 at once (s each) | restart (s) | backlog (s) | handover (s) | escalation pass (ms) | raid pass (ms) | disk per case (B) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in ${@:-10000 50000 100000}; do
  d="$work/$n"
  mkdir -p "$d"
  db="$d/hub.db"
  port=$(free_port)
  url="http://127.0.0.1:$port"
  token=$($B admin staff add --db "$db" --name Scale --role supervisor --national 2>/dev/null |
    grep -o 'gds_[A-Za-z0-9_-]*' | head -1)
  start_hub
  rate=2000
  GUARDIA_TOKEN=$token $B bench --hub "$url" --rate $rate --duration $((n / rate)) \
    --subscribers 0 --phones "$n" > "$d/fill.out" 2>&1
  # The database's pages as a reader sees them (the WAL's content included, its file's size not).
  bytes=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(c.execute("PRAGMA page_count").fetchone()[0] * c.execute("PRAGMA page_size").fetchone()[0])' "$db")
  # Two minutes idle: every background pass runs several times.
  lo=999999 hi=0
  for _ in $(seq 24); do
    sleep 5
    r=$(rss)
    [ "$r" -lt "$lo" ] && lo=$r
    [ "$r" -gt "$hi" ] && hi=$r
  done
  pass_ms() {
    curl -s -H "Authorization: Bearer $token" "$url/metrics" | awk -v p="$1" '
      index($0, "guardia_background_pass_seconds_sum{pass=\"" p "\"}") == 1 { s = $2 }
      index($0, "guardia_background_pass_seconds_count{pass=\"" p "\"}") == 1 { n = $2 }
      END { if (n > 0) printf "%.0f", 1000 * s / n; else printf "–" }'
  }
  escalation=$(pass_ms escalation)
  raids=$(pass_ms raids)
  read -r snap_s snap_b cases < <(python3 "$work/snapshot.py" "$url" "$token")
  peak=0 snaps=()
  for i in $(seq 10); do
    python3 "$work/snapshot.py" "$url" "$token" > "$d/snap.$i" &
    snaps+=($!)
  done
  # The hub is a job of this script too: wait for the snapshots by their own ids.
  alive() { for p in "${snaps[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
  while alive; do
    r=$(rss)
    [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.2
  done
  wait "${snaps[@]}" 2>/dev/null || true
  many=$(awk '{s += $1} END {printf "%.1f", s / NR}' "$d"/snap.*)
  t=$(now)
  GUARDIA_TOKEN=$token $B backlog --hub "$url" > /dev/null
  backlog=$(since "$t")
  t=$(now)
  GUARDIA_TOKEN=$token $B handover --hub "$url" --consulate los-angeles > /dev/null
  handover=$(since "$t")
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
  t=$(now)
  start_hub
  restart=$(since "$t")
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=
  echo "| $cases | $lo–$hi | $peak | $snap_s, $((snap_b / 1000000)) | $many | $restart | $backlog | $handover | $escalation | $raids | $((bytes / cases)) |"
done
