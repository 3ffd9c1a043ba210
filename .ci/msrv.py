#!/usr/bin/env python3
"""Checks that each workspace member's `rust-version` is honest for the locked tree.

No older toolchain can be installed here, so instead of building with the declared version this
reads `cargo metadata --locked` and, for every member that declares a rust-version, finds the
highest `rust-version` among the locked packages it builds with (its normal, build and dev
dependencies, and their normal and build dependencies, transitively). A member that declares less
than that would not build with the version it claims.
"""
import json
import subprocess
import sys


def version(text):
    return tuple(int(p) for p in text.split(".")) + (0,) * (3 - len(text.split(".")))


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--locked", "--format-version", "1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def deps(node_id, kinds):
    for dep in nodes[node_id]["deps"]:
        if any(k["kind"] in kinds for k in dep["dep_kinds"]):
            yield dep["pkg"]


failed = False
for member in meta["workspace_members"]:
    declared = packages[member].get("rust_version")
    if not declared:
        continue
    seen, todo = set(), list(deps(member, (None, "build", "dev")))
    while todo:
        pkg = todo.pop()
        if pkg not in seen:
            seen.add(pkg)
            todo.extend(deps(pkg, (None, "build")))
    needs = max(
        ((version(packages[p]["rust_version"]), packages[p]["name"]) for p in seen
         if packages[p].get("rust_version") and p not in meta["workspace_members"]),
        default=((0, 0, 0), "nothing"),
    )
    name = packages[member]["name"]
    if needs[0] > version(declared):
        failed = True
        print(f"msrv: {name} declares {declared} but {needs[1]} needs {'.'.join(map(str, needs[0]))}")
    else:
        print(f"msrv: {name} {declared} ok (highest need: {needs[1]} {'.'.join(map(str, needs[0]))})")
sys.exit(1 if failed else 0)
