#!/usr/bin/env bash
# Packages every library crate as crates.io would receive it, and builds each package from its
# .crate file (cargo's verify step).
#
# The crates depend on each other by path *and* version, and none of them is on crates.io yet, so
# a crate cannot be verified alone: cargo would look for its sibling on crates.io. Packaging them
# together in one command makes cargo put the freshly packaged siblings in a local overlay
# registry, in dependency order, and verify each against them - the same build a user gets after
# `cargo publish` of them in that order. It needs the crates.io index for third-party crates
# (already in the local cache after a build), nothing else.
#
# The overlay registry lives in the target directory, and cargo unpacks its crates into
# $CARGO_HOME/registry/src/<hash of that directory>/ once and never again: the same version
# packaged from changed sources would be verified against the stale unpacked copy. So each run
# gets a target directory of its own (a new hash), removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(mktemp -d "${TMPDIR:-/tmp}/scimkit-package.XXXXXX")"
trap 'rm -rf "$target"' EXIT
CARGO_TARGET_DIR="$target" cargo package --locked --allow-dirty \
    -p scimkit-schema -p scimkit-filter -p scimkit-patch -p scimkit-protocol -p scimkit-sql -p scimkit-server -p scimkit
