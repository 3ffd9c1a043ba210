#!/usr/bin/env bash
# Conformance: run the independent Python checker scim2-tester (python-scim) against the example
# server. Installs the pinned checker into a venv (reused while the pins are unchanged), builds and
# starts `scim-server` on a free loopback port with a throwaway database, and runs every check
# through .ci/conformance.py. Fails when a check fails that .ci/conformance-skips.txt does not
# explain. See docs/conformance.md.
#
# Environment:
#   CONFORMANCE_VENV    venv directory (default: target/conformance-venv)
#   CONFORMANCE_TIMEOUT seconds the checks may take (default: 600)
#   CARGO_TARGET_DIR    honoured, as cargo does
set -euo pipefail
cd "$(dirname "$0")/.."

ci=.ci
venv="${CONFORMANCE_VENV:-target/conformance-venv}"
check_timeout="${CONFORMANCE_TIMEOUT:-600}"
target_dir="${CARGO_TARGET_DIR:-target}"
python="${PYTHON:-python3}"

# 1. The checker, pinned, in a venv of its own.
stamp="$venv/.requirements"
if ! [ -x "$venv/bin/python" ] || ! cmp -s "$ci/conformance-requirements.txt" "$stamp"; then
    echo "conformance: installing scim2-tester into $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" || {
        echo "conformance: '$python -m venv' failed (Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    }
    timeout 600 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input -r "$ci/conformance-requirements.txt"
    cp "$ci/conformance-requirements.txt" "$stamp"
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("conformance: scim2-tester", m.version("scim2-tester"), "scim2-client", m.version("scim2-client"))'

# 2. The server (a no-op rebuild after `cargo test`).
cargo build --quiet -p examples --bin scim-server
server_bin="$target_dir/debug/scim-server"

work="$(mktemp -d "${TMPDIR:-/tmp}/scim-conformance.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        # Give it 5 s to stop, then make sure.
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Port 0: the OS picks a free port and the server prints the one it got.
RUST_LOG="${RUST_LOG:-warn}" "$server_bin" --listen 127.0.0.1:0 --db "$work/scim.db" \
    --tenant conformance </dev/null >"$work/server.log" 2>&1 &
server_pid=$!

base_url="" token=""
for _ in $(seq 600); do # at most 60 s
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "conformance: the server exited before it was ready:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    base_url="$(sed -n 's/^base URL: *//p' "$work/server.log" | head -n1)"
    token="$(sed -n 's/^token: *//p' "$work/server.log" | head -n1)"
    [ -n "$base_url" ] && [ -n "$token" ] && break
    sleep 0.1
done
if [ -z "$base_url" ] || [ -z "$token" ]; then
    echo "conformance: the server did not print its base URL and token within 60 s:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
echo "conformance: checking $base_url"

# 3. The checks.
status=0
timeout "$check_timeout" "$venv/bin/python" "$ci/conformance.py" "$base_url" "$token" \
    "$ci/conformance-skips.txt" || status=$?
if [ "$status" -ne 0 ]; then
    if [ "$status" -eq 124 ]; then
        echo "conformance: the checks did not finish within $check_timeout s" >&2
    fi
    echo "conformance: FAILED (server log follows)" >&2
    grep -v '^token:' "$work/server.log" | tail -n 50 >&2 || true
fi
exit "$status"
