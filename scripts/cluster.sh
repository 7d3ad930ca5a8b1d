#!/usr/bin/env bash
# Three hubs on one throw-away PostgreSQL, on this machine: to try a console that fails over
# between hubs, or (--chaos) to see the log stay whole while hubs die under load.
#
#   scripts/cluster.sh            start, print how to connect, wait for Ctrl-C
#   scripts/cluster.sh --chaos    also press buttons at all three hubs, kill one with SIGKILL
#                                 and restart another mid-burst, then check the log; exits 0
#                                 (OK) or 1 (FAIL); RATE, COUNT and PHONES (15, 450, 100)
#                                 set each simulator's load
#
# GUARDIA names the binary (default target/release/guardia, built if missing). PostgreSQL's
# server programs come from PATH or /usr/lib/postgresql/*/bin (`apt install postgresql`).
# Everything lives in one temporary folder, removed on exit. The cluster trusts every
# connection to 127.0.0.1: it is for trying things, never for real data.
set -euo pipefail

PORTS=(8751 8752 8753)
CHAOS=false
for arg in "$@"; do
    case "$arg" in
        --chaos) CHAOS=true ;;
        -h | --help)
            sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

say() { printf '%s\n' "$*" >&2; }
die() {
    say "cluster.sh: $*"
    exit 1
}

# --- the binary ---------------------------------------------------------------------------
# A GUARDIA given relative to where the script was started, or a name on PATH.
if [[ -n ${GUARDIA:-} ]]; then
    if [[ $GUARDIA != */* ]]; then
        GUARDIA=$(command -v "$GUARDIA") || die "$GUARDIA: not found on PATH"
    fi
    [[ -x $GUARDIA ]] || die "GUARDIA=$GUARDIA is not an executable"
    GUARDIA=$(realpath "$GUARDIA")
fi
cd "$(dirname "$0")/.."
if [[ -z ${GUARDIA:-} ]]; then
    GUARDIA=target/release/guardia
    if [[ ! -x $GUARDIA ]]; then
        say "building guardia (cargo build --release)"
        cargo build --release
    fi
    GUARDIA=$(realpath "$GUARDIA")
fi

# --- PostgreSQL's programs ----------------------------------------------------------------
source scripts/pg_bin.sh

# PostgreSQL refuses to run as root: then its programs run as the postgres user.
if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
    die "running as root, and there is no postgres user to run PostgreSQL as"
fi
as_postgres() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# --- ports --------------------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "${PORTS[@]}"; do
    if port_busy "$port"; then
        die "127.0.0.1:$port is taken (another cluster.sh, or a hub?)"
    fi
done
PG_PORT=
for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! port_busy "$candidate"; then
        PG_PORT=$candidate
        break
    fi
done
[[ -n $PG_PORT ]] || die "no free port found for PostgreSQL"

# --- clean-up, whatever happens -----------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/guardia-cluster.XXXXXX")
declare -a HUB_PIDS=() SIM_PIDS=()
PG_STARTED=false

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${SIM_PIDS[@]}" "${HUB_PIDS[@]}"; do
        if [[ -n $pid ]]; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${SIM_PIDS[@]}" "${HUB_PIDS[@]}"; do
        if [[ -n $pid ]]; then
            wait "$pid" 2>/dev/null || true
        fi
    done
    if $PG_STARTED; then
        as_postgres "$PG_BIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
    say "stopped; $TMP removed"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $(id -u) == 0 ]]; then
    chown postgres:postgres "$TMP"
fi

# --- the database -------------------------------------------------------------------------
say "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT, in $TMP"
as_postgres "$PG_BIN/initdb" -A trust -U guardia -E UTF8 --no-sync -D "$TMP/data" \
    >"$TMP/initdb.log" 2>&1 || {
    cat "$TMP/initdb.log" >&2
    die "initdb failed"
}
# Each hub holds up to ~20 connections; `guardia admin` and psql a few more.
as_postgres "$PG_BIN/pg_ctl" -D "$TMP/data" -w -t 60 -l "$TMP/postgres.log" \
    -o "-p $PG_PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=100" \
    start >/dev/null || {
    cat "$TMP/postgres.log" >&2
    die "PostgreSQL did not start"
}
PG_STARTED=true

sql() { "$PSQL" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U guardia -d guardia -c "$1"; }
"$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U guardia -d postgres -c 'CREATE DATABASE guardia'
DB="postgres://guardia@127.0.0.1:$PG_PORT/guardia"

# The one key file every hub shares, made before any hub starts: 32 random bytes, in hex.
KEY=$TMP/hub.key
(
    umask 077
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$KEY"
)

# --- the hubs -----------------------------------------------------------------------------
# A closed trial: phones enroll without an SMS code, the enrollment limits are off (the
# simulators enroll hundreds of phones from one address), and no user config file leaks in.
hub_env=(
    GUARDIA_ENROLL_VERIFY_PHONE=false
    GUARDIA_LIMITS_ENROLL_PER_ADDRESS_PER_MINUTE=0
    GUARDIA_LIMITS_ENROLL_GLOBAL_PER_SECOND=0
    GUARDIA_LIMITS_SURGE_PER_NETWORK_PER_MINUTE=0
    XDG_CONFIG_HOME="$TMP/no-config"
)

# Starts hub $1 (0, 1 or 2) on its port, logging to $TMP/hub-PORT.log (appending, so a
# restart keeps what the hub said before).
start_hub() {
    local i=$1 port=${PORTS[$1]}
    env "${hub_env[@]}" "$GUARDIA" hub --listen "127.0.0.1:$port" --db "$DB" --key-file "$KEY" \
        >>"$TMP/hub-$port.log" 2>&1 &
    HUB_PIDS[i]=$!
}

healthy() {
    local port=$1
    if command -v curl >/dev/null; then
        curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1
    else
        (
            exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
            printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
            IFS= read -r -t 2 status <&3 || exit 1
            [[ $status == HTTP/1.?' 200'* ]]
        ) 2>/dev/null
    fi
}

# Waits for hub $1 to answer /healthz (60 s at most); fails if it exits first.
wait_hub() {
    local i=$1 port=${PORTS[$1]} tries
    for tries in $(seq 600); do
        if healthy "$port"; then
            return 0
        fi
        if ! kill -0 "${HUB_PIDS[i]}" 2>/dev/null; then
            tail -n 20 "$TMP/hub-$port.log" >&2
            die "the hub on port $port exited (its log is above)"
        fi
        ((tries % 100 == 0)) && say "still waiting for the hub on port $port"
        sleep 0.1
    done
    tail -n 20 "$TMP/hub-$port.log" >&2
    die "the hub on port $port did not answer /healthz within 60 s"
}

# All three at once: they migrate the empty database one at a time, under a lock.
for i in "${!PORTS[@]}"; do
    start_hub "$i"
done
for i in "${!PORTS[@]}"; do
    wait_hub "$i"
done
HUB_URLS=()
for port in "${PORTS[@]}"; do
    HUB_URLS+=("http://127.0.0.1:$port")
done
say "three hubs up: ${HUB_URLS[*]}"

# A national supervisor to follow them with (every case, every consulate).
TOKEN=$(env "${hub_env[@]}" GUARDIA_HUB_KEY_FILE="$KEY" \
    "$GUARDIA" admin staff add --db "$DB" --name "Supervisora de prueba" \
    --role supervisor --national 2>"$TMP/admin.log" |
    grep -o 'gds_[0-9a-f]*' | head -1) || true  # the line is in the configured language
[[ -n $TOKEN ]] || {
    cat "$TMP/admin.log" >&2
    die "could not add a supervisor"
}

consoles() {
    cat <<EOF

Follow all three hubs (the console moves to the next when the one it is on stops answering):

    GUARDIA_TOKEN=$TOKEN \\
        $GUARDIA console --hub ${HUB_URLS[0]} --hub ${HUB_URLS[1]} --hub ${HUB_URLS[2]}

Press buttons at one of them:

    $GUARDIA simulate --hub ${HUB_URLS[1]} --rate 2 --count 100

Stop a hub to see the console move on: kill ${HUB_PIDS[0]} (${HUB_URLS[0]}).
The database: $PSQL -h 127.0.0.1 -p $PG_PORT -U guardia guardia
Logs: $TMP/hub-*.log, $TMP/postgres.log
EOF
}

if ! $CHAOS; then
    consoles
    say ""
    say "Ctrl-C stops the hubs and PostgreSQL and removes $TMP."
    while true; do
        for i in "${!PORTS[@]}"; do
            if [[ -n ${HUB_PIDS[i]} ]] && ! kill -0 "${HUB_PIDS[i]}" 2>/dev/null; then
                say "the hub on port ${PORTS[i]} has stopped (${TMP}/hub-${PORTS[i]}.log)"
                HUB_PIDS[i]=
            fi
        done
        sleep 1
    done
fi

# --- chaos --------------------------------------------------------------------------------
RATE=${RATE:-15}
COUNT=${COUNT:-450}
PHONES=${PHONES:-100}
say "chaos: one simulator per hub, $COUNT presses each at about $RATE/s, $PHONES phones each"
for i in "${!PORTS[@]}"; do
    "$GUARDIA" simulate --hub "${HUB_URLS[i]}" --rate "$RATE" --count "$COUNT" \
        --phones "$PHONES" --retry-for 120 \
        >"$TMP/sim-${PORTS[i]}.out" 2>"$TMP/sim-${PORTS[i]}.log" &
    SIM_PIDS[i]=$!
done

# The burst starts once every simulator has enrolled its phones.
for i in "${!PORTS[@]}"; do
    for _ in $(seq 600); do
        grep -q '^pressing' "$TMP/sim-${PORTS[i]}.log" 2>/dev/null && break
        kill -0 "${SIM_PIDS[i]}" 2>/dev/null || break
        sleep 0.1
    done
done
sleep 5

say "chaos: SIGKILL to the hub on port ${PORTS[1]}, mid-burst"
kill -KILL "${HUB_PIDS[1]}" 2>/dev/null || true
wait "${HUB_PIDS[1]}" 2>/dev/null || true
sleep 3
say "chaos: restarting the hub on port ${PORTS[2]} (SIGTERM, then start)"
kill -TERM "${HUB_PIDS[2]}" 2>/dev/null || true
wait "${HUB_PIDS[2]}" 2>/dev/null || true
start_hub 2
sleep 2
say "chaos: starting the killed hub on port ${PORTS[1]} again"
start_hub 1
wait_hub 1
wait_hub 2

say "chaos: waiting for the simulators"
failed=0
accepted=0
for i in "${!PORTS[@]}"; do
    if wait "${SIM_PIDS[i]}"; then
        status=ok
    else
        status=FAIL
        failed=1
    fi
    SIM_PIDS[i]=
    line=$(grep '^sent ' "$TMP/sim-${PORTS[i]}.out" | tail -n 1 || true)
    say "  simulator at ${HUB_URLS[i]}: $status: $line"
    n=$(sed -n 's/.*accepted \([0-9]*\).*/\1/p' <<<"$line")
    accepted=$((accepted + ${n:-0}))
done

# The hubs work off what the presses left (coalesced presses, timers) for a moment more.
sleep 2
verdict=OK
check() { # name, got, wanted
    if [[ $2 == "$3" ]]; then
        say "  ok    $1: $2"
    else
        say "  FAIL  $1: $2, wanted $3"
        verdict=FAIL
    fi
}
say "chaos: checking the log"
read -r events max_seq < <(sql "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM events" | tr '|' ' ')
check "events, and the last seq (gap-free)" "$events" "$max_seq"
check "every simulator got every press accepted" "$failed" 0
check "alerts stored (one per accepted press)" "$(sql 'SELECT COUNT(*) FROM alerts')" "$accepted"
check "alert ids stored twice" "$(sql 'SELECT COUNT(*) FROM (SELECT alert_id FROM alerts
    GROUP BY 1 HAVING COUNT(*) > 1) twice')" 0
check "presses logged twice" "$(sql "SELECT COUNT(*) FROM (SELECT body::jsonb #>> '{body,alert_id}'
    FROM events WHERE kind IN ('alert_raised', 'alert_repeated') GROUP BY 1
    HAVING COUNT(*) > 1) twice")" 0
if env "${hub_env[@]}" "$GUARDIA" verify --db "$DB" --key-file "$KEY" >"$TMP/verify.out" 2>&1; then
    check "guardia verify (every seal, every case folded again)" ok ok
else
    cat "$TMP/verify.out" >&2
    check "guardia verify (every seal, every case folded again)" failed ok
fi
say "chaos: $verdict"
[[ $verdict == OK ]]
