#!/usr/bin/env bash
# Times the JS anchors (scim-patch, scim2-parse-filter) on scimkit's benchmark inputs.
#   benches/cross-language/run.sh [--quick]
# Exports the inputs from the Rust corpus first (deterministic; written to ./inputs, not
# committed), installs the pinned npm packages, then runs bench.mjs, which prints one JSON line
# per measurement and VERDICT lines for wrong answers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}" \
  cargo run --quiet --release -p benches --bin export-inputs -- "$here/inputs"
cd "$here"
[ -d node_modules ] || npm ci --no-audit --no-fund
node --version
node bench.mjs "$@"
