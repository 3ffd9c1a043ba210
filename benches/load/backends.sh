#!/usr/bin/env bash
# The same IdP-shaped lookups and PATCHes against the example server on SQLite (one instance) and
# on PostgreSQL (one instance, and two instances sharing the database), with wrk on loopback.
#
#   bash .ci/postgres.sh bash benches/load/backends.sh [USERS]     default USERS: 10000
#
# Needs wrk and psql, and SCIMKIT_POSTGRES_URL (a server where it may create a database;
# .ci/postgres.sh starts a throw-away one). Each backend is seeded fresh with scim-seed. Prints
# one line per scenario and backend: requests/s (summed over instances) and p99 (the larger).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
: "${SCIMKIT_POSTGRES_URL:?run under .ci/postgres.sh or set SCIMKIT_POSTGRES_URL}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -p examples --bin scim-server --bin scim-seed
bin="${CARGO_TARGET_DIR:-target}/release"
port="${SCIM_PORT:-18181}"
duration="${DURATION:-8s}"
users="${1:-10000}"
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT

# A fresh database beside the one the URL names.
pg_db="scimkit_load_$$"
psql "$SCIMKIT_POSTGRES_URL" -q -c "CREATE DATABASE $pg_db ENCODING 'UTF8' TEMPLATE template0"
pg_url="${SCIMKIT_POSTGRES_URL%/*}/$pg_db"

# start NAME DB PORT: a release server in the background.
start() {
    "$bin/scim-server" --db "$2" --listen "127.0.0.1:$3" --tenant "bench-$1" >"$dir/$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$3/" && return; sleep 0.1; done
    echo "server $1 did not start" >&2
    exit 1
}

# run LABEL SCRIPT CONNECTIONS PORTS...: wrk against each port at once, split connections.
run() {
    local label=$1 script=$2 conns=$3
    shift 3
    local n=$# i=0 clients=()
    for p in "$@"; do
        SCIM_SHAPE=userName wrk -t1 -c$((conns / n)) -d"$duration" --latency -s "benches/load/$script" \
            "http://127.0.0.1:$p" >"$dir/wrk-$i.txt" &
        clients+=($!)
        i=$((i + 1))
    done
    wait "${clients[@]}"
    cat "$dir"/wrk-*.txt >>"$dir/all.txt"
    awk -v label="$label" '
        /Requests\/sec/ { rps += $2 }
        /^ +99%/ { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) ms *= 1000; if (ms > p99) p99 = ms }
        /Non-2xx|Socket errors/ { errors = errors " " $0 }
        END { printf "%-34s %10.0f req/s   p99 %7.2f ms%s\n", label, rps, p99, errors }
    ' "$dir"/wrk-*.txt
    rm -f "$dir"/wrk-*.txt
}

echo "== $users users, wrk $duration per row, $(nproc) cores; load before: $(uptime | sed 's/.*load average/load average/')"
sqlite="$dir/load.db"
big=$(( users < 100000 ? users : 100000 ))
seed() {
    "$bin/scim-seed" --db "$1" --tenant load --users "$users" --groups 100 --big-group "$big" 2>"$dir/seed.log"
}
export SCIM_USERS="$users" SCIM_PATH="/t/load/scim/v2"

SCIM_TOKEN=$(seed "$sqlite"); export SCIM_TOKEN
start sqlite "$sqlite" "$port"
run "sqlite, 1 instance: userName eq" filter.lua 32 "$port"
run "sqlite, 1 instance: PATCH deactivate" deactivate.lua 16 "$port"
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=()

SCIM_TOKEN=$(seed "$pg_url"); export SCIM_TOKEN
start pg-a "$pg_url" "$port"
run "postgres, 1 instance: userName eq" filter.lua 32 "$port"
run "postgres, 1 instance: PATCH deactivate" deactivate.lua 16 "$port"
start pg-b "$pg_url" $((port + 1))
run "postgres, 2 instances: userName eq" filter.lua 32 "$port" $((port + 1))
run "postgres, 2 instances: PATCH deactivate" deactivate.lua 16 "$port" $((port + 1))
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=()
psql "$SCIMKIT_POSTGRES_URL" -q -c "DROP DATABASE $pg_db"
echo "== load after: $(uptime | sed 's/.*load average/load average/')"
