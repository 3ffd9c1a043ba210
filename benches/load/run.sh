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
    kill $server; wait $server 2>/dev/null || true
    rm -rf "$dir"
    trap - EXIT
done
