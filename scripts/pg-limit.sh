#!/usr/bin/env bash
# What this machine's PostgreSQL itself commits durably per second, with Guardia's row shapes:
# each transaction appends one alert's worth (an event row of ~1.2 KB with its sealed twin and a
# case row of ~1 KB, upserted), fsync on, synchronous_commit on, as the hubs run it. pgbench
# drives it with 1, 4, 16 and 64 clients for SECONDS each (default 10); the table prints the
# committed transactions per second and the latency, for docs/performance.md beside what three
# hubs reach on the same database.
#
#   bash scripts/pg-limit.sh            # 1 4 16 64 clients
#   SECONDS_EACH=20 bash scripts/pg-limit.sh 8 32
#
# PostgreSQL's programs come from PATH or /usr/lib/postgresql/*/bin; pgbench from PATH. The
# cluster lives in a temporary folder on this machine's disk, listens on 127.0.0.1 only, and is
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
EACH=${SECONDS_EACH:-10}
CLIENTS=(${@:-1 4 16 64})

die() {
    echo "pg-limit.sh: $*" >&2
    exit 1
}

source scripts/pg_bin.sh
PGBENCH=$(command -v pgbench || true)
[[ -n $PGBENCH ]] || PGBENCH=$PG_BIN/pgbench
[[ -x $PGBENCH ]] || die "no pgbench found: sudo apt install postgresql-contrib"
as_postgres() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! port_busy "$p"; then PORT=$p; break; fi
done
[[ -n $PORT ]] || die "no free port"

# On this machine's disk (not a tmpfs /tmp): the fsyncs are what is measured.
TMP=$(mktemp -d "$PWD/target/pg-limit.XXXXXX")
STARTED=false
cleanup() {
    $STARTED && as_postgres "$PG_BIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT
[[ $(id -u) == 0 ]] && chown postgres:postgres "$TMP"
as_postgres "$PG_BIN/initdb" -A trust -U guardia -E UTF8 -D "$TMP/data" >"$TMP/initdb.log" 2>&1 ||
    { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
as_postgres "$PG_BIN/pg_ctl" -D "$TMP/data" -w -t 60 -l "$TMP/pg.log" \
    -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on -c synchronous_commit=on" \
    start >/dev/null || { cat "$TMP/pg.log" >&2; die "PostgreSQL did not start"; }
STARTED=true
"$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U guardia -d postgres -c 'CREATE DATABASE bench'
sql() { "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U guardia -d bench "$@"; }
sql -c "
CREATE TABLE events (seq BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, case_id BIGINT NOT NULL,
    consulate TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, chain BYTEA, sealed TEXT);
CREATE INDEX events_by_consulate ON events (consulate, seq);
CREATE INDEX events_by_case ON events (case_id, seq);
CREATE TABLE cases (id BIGINT PRIMARY KEY, consulate TEXT NOT NULL, status TEXT NOT NULL,
    last_seq BIGINT NOT NULL, state TEXT NOT NULL, received_at TEXT NOT NULL, mac BYTEA,
    sealed TEXT);
CREATE INDEX cases_by_consulate ON cases (consulate);"
# One alert: the event (clear body and sealed twin, as the hub writes them) and its case.
cat >"$TMP/alert.sql" <<'SQL'
\set id random(1, 1000000000)
BEGIN;
INSERT INTO events (at, case_id, consulate, kind, body, chain, sealed)
VALUES (now()::text, :id, 'los-angeles', 'alert_raised', repeat('b', 600),
        decode(md5(:id::text), 'hex'), repeat('s', 650));
INSERT INTO cases (id, consulate, status, last_seq, state, received_at, mac, sealed)
VALUES (:id, 'los-angeles', 'open', currval('events_seq_seq'), repeat('c', 500), now()::text,
        decode(md5(:id::text), 'hex'), repeat('s', 550))
ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, state = excluded.state;
COMMIT;
SQL
chmod 644 "$TMP/alert.sql"
echo "## $(date -u +%FT%TZ) · $(nproc) cores · PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') · fsync on, synchronous_commit on"
echo "| clients | durable alerts/s (one transaction each) | latency avg (ms) |"
echo "|---|---|---|"
for c in "${CLIENTS[@]}"; do
    out=$("$PGBENCH" -n -h 127.0.0.1 -p "$PORT" -U guardia -c "$c" -j "$(( c < $(nproc) ? c : $(nproc) ))" \
        -T "$EACH" -f "$TMP/alert.sql" bench 2>&1)
    tps=$(awk -F'= ' '/^tps/ {split($2, a, " "); printf "%.0f", a[1]}' <<<"$out")
    lat=$(awk -F'= ' '/latency average/ {split($2, a, " "); print a[1]}' <<<"$out")
    echo "| $c | $tps | $lat |"
done
