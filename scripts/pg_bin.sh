# Sourced by the scripts that start a throw-away PostgreSQL: finds its server programs (PATH
# first, then the newest /usr/lib/postgresql/*/bin) and psql, or calls the script's `die`.
# Sets PG_BIN and PSQL.
PG_BIN=
candidates=()
if on_path=$(command -v initdb); then
    candidates+=("$(dirname "$on_path")")
fi
mapfile -t versions < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
candidates+=("${versions[@]}")
for dir in "${candidates[@]}"; do
    if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
        PG_BIN=$dir
        break
    fi
done
[[ -n $PG_BIN ]] || die "no initdb/pg_ctl found: sudo apt install postgresql"
PSQL=$(command -v psql || true)
[[ -n $PSQL ]] || PSQL=$PG_BIN/psql
[[ -x $PSQL ]] || die "no psql found: sudo apt install postgresql-client"
