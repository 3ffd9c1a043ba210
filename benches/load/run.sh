#!/usr/bin/env bash
# Load test of the example SCIM service provider with wrk, from a second process on loopback.
#
#   bash benches/load/run.sh [USERS...]        default: 10000 1000000
#
# For each user count: seed a fresh database (scim-seed, straight into SQLite), start the release
# server, and run the IdP-shaped scenarios. Results go to stdout and benches/load/results-<N>.txt.
# Needs wrk (Debian package `wrk`). Every request loop is bounded by wrk's -d.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -p examples --bin scim-server --bin scim-seed
bin="${CARGO_TARGET_DIR:-target}/release"
port="${SCIM_PORT:-18181}"
duration="${DURATION:-10s}"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 1000000)

for users in "${counts[@]}"; do
    dir=$(mktemp -d)
    db="$dir/load.db"
    big=$(( users < 100000 ? users : 100000 ))
    token=$("$bin/scim-seed" --db "$db" --tenant load --users "$users" --groups 10000 --big-group "$big")
    # A second, small tenant: the quiet neighbour of the noisy-neighbour run.
    quiet=$("$bin/scim-seed" --db "$db" --tenant quiet --users 1000 --groups 10 --big-group 10)
    # The server creates its own default tenant; the seeded one keeps its token.
    "$bin/scim-server" --db "$db" --listen "127.0.0.1:$port" --tenant bench >"$dir/server.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    out="benches/load/results-$users.txt"
    : >"$out"
    export SCIM_TOKEN="$token" SCIM_USERS="$users" SCIM_PATH="/t/load/scim/v2"
    for shape in userName externalId email; do
        echo "== $users users: GET /Users?filter=$shape eq … (wrk -t2 -c32 -d$duration)" | tee -a "$out"
        SCIM_SHAPE=$shape wrk -t2 -c32 -d"$duration" --latency -s benches/load/filter.lua "http://127.0.0.1:$port" | tee -a "$out"
    done
    # Filters no index serves, answered by the SQL translation (a scan of the users' documents):
    # the time of one request each, five times, with curl.
    for filter in 'title eq "Title 7"' 'name.familyName sw "Family99"' \
                  'meta.lastModified gt "2000-01-01T00:00:00Z" and title eq "Title 7"' \
                  'emails[type eq "home" and value ew "9@home.example.org"]'; do
        echo "== $users users: GET /Users?filter=$filter&count=100 (curl, 5 requests, seconds each)" | tee -a "$out"
        q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$filter")
        for _ in 1 2 3 4 5; do
            curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $token" \
                "http://127.0.0.1:$port$SCIM_PATH/Users?filter=$q&count=100"
        done | tee -a "$out"
    done
    echo "== $users users: PATCH deactivate (wrk -t2 -c16 -d$duration)" | tee -a "$out"
    wrk -t2 -c16 -d"$duration" --latency -s benches/load/deactivate.lua "http://127.0.0.1:$port" | tee -a "$out"
    echo "== $users users: add/remove one member of a $big-member group (wrk -t1 -c1 -d$duration)" | tee -a "$out"
    wrk -t1 -c1 -d"$duration" --latency -s benches/load/members.lua "http://127.0.0.1:$port" | tee -a "$out"
    # Noisy neighbour: the quiet tenant's userName lookups alone, then while the big tenant loops
    # full-scan filters on 8 connections. Storage work runs on the blocking pool with per-tenant
    # admission, so the quiet tenant's p99 should barely move.
    echo "== $users users: quiet tenant userName eq, alone (wrk -t1 -c4 -d$duration)" | tee -a "$out"
    SCIM_TOKEN="$quiet" SCIM_USERS=1000 SCIM_PATH=/t/quiet/scim/v2 SCIM_SHAPE=userName \
        wrk -t1 -c4 -d"$duration" --latency -s benches/load/filter.lua "http://127.0.0.1:$port" | tee -a "$out"
    echo "== $users users: quiet tenant userName eq, beside the noisy tenant's full scans (wrk -t1 -c4 -d$duration; noise wrk -t1 -c8)" | tee -a "$out"
    noise_secs=$(( ${duration%s} + 4 ))
    wrk -t1 -c8 -d"${noise_secs}s" --latency -s benches/load/noisy.lua "http://127.0.0.1:$port" >"$dir/noise.txt" &
    noise=$!
    sleep 2
    SCIM_TOKEN="$quiet" SCIM_USERS=1000 SCIM_PATH=/t/quiet/scim/v2 SCIM_SHAPE=userName \
        wrk -t1 -c4 -d"$duration" --latency -s benches/load/filter.lua "http://127.0.0.1:$port" | tee -a "$out"
    wait $noise || true
    { echo "-- the noise itself:"; cat "$dir/noise.txt"; } | tee -a "$out"
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$dir"
    trap - EXIT
done
