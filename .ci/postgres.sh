#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests that need one: `bash .ci/postgres.sh CMD ARGS...`
# runs CMD with SCIMKIT_POSTGRES_URL pointing at a fresh, empty database, then stops the server
# and removes its files (on success, failure or interrupt), and exits with CMD's status.
#
# It uses the server binaries installed under /usr/lib/postgresql/*/bin (the newest), installing
# the `postgresql` package with apt-get when there are none. The cluster is initialised into a
# temporary directory and listens on 127.0.0.1 on a free port (and on a Unix socket in that
# directory). PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# user (created by the package); as anyone else it runs as that user. Durability is switched off
# (fsync, synchronous_commit): the data is thrown away, and the tests measure the code, not the
# disk.
#
# Environment:
#   SCIMKIT_POSTGRES_URL  when already set, the server is not started: CMD runs against that URL.
#   PG_BIN                directory of initdb/pg_ctl/postgres (default: found as above).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -n "${SCIMKIT_POSTGRES_URL:-}" ]; then
    echo "postgres: using SCIMKIT_POSTGRES_URL from the environment"
    exec "$@"
fi

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    # The newest installed major version.
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bin="$(find_bin)"
if [ -z "$bin" ] || ! [ -x "$bin/initdb" ]; then
    echo "postgres: no server binaries under /usr/lib/postgresql; installing the postgresql package"
    apt=(apt-get)
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "postgres: not root and no sudo: install the postgresql package first" >&2
            exit 1
        }
        apt=(sudo apt-get)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${apt[@]}" update -qq
    # The package's own cluster and service are not used; policy-rc.d-less containers may fail
    # to start it, which does not matter here.
    "${apt[@]}" install -y -qq postgresql >/dev/null
    bin="$(find_bin)"
    [ -x "$bin/initdb" ] || {
        echo "postgres: installing postgresql gave no initdb" >&2
        exit 1
    }
fi

# Who runs the server: never root.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    as_owner=(runuser -u postgres --)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/scimkit-pg.XXXXXX")"
chmod 755 "$work"
data="$work/data"
mkdir "$data"
[ "${#as_owner[@]}" -eq 0 ] || chown postgres: "$data" "$work"
started=""

cleanup() {
    status=$?
    if [ -n "$started" ]; then
        "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    >"$work/initdb.log" 2>&1 || {
    cat "$work/initdb.log" >&2
    exit 1
}

# A free port: try a few from a random start, since another checkout may run this at once.
port=""
base=$((20000 + RANDOM % 30000))
for i in $(seq 0 19); do
    candidate=$((base + i))
    if "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$work/server.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -p $candidate -c unix_socket_directories=$work \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=200 -c shared_buffers=128MB" >/dev/null 2>&1; then
        port=$candidate
        started=1
        break
    fi
done
if [ -z "$port" ]; then
    echo "postgres: the server did not start" >&2
    cat "$work/server.log" >&2 || true
    exit 1
fi

"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE scimkit ENCODING 'UTF8' TEMPLATE template0" >/dev/null
export SCIMKIT_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/scimkit"
echo "postgres: $("$bin/postgres" --version) on 127.0.0.1:$port (SCIMKIT_POSTGRES_URL=$SCIMKIT_POSTGRES_URL)"

set +e
"$@"
