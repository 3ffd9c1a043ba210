#!/usr/bin/env python3
"""Ratio table from criterion results.

    benches/ratios.py DIR [DIR ...]

Each DIR is a criterion output directory (`$CARGO_TARGET_DIR/criterion`, or a copy of one per
repeated run). For every benchmark `group/case/impl` it takes the median estimate of each run and
reports the median over the runs, then prints, per case, every implementation's time and its
ratio to scimkit's (`scimkit / peer` below 1 means scimkit is faster) as a Markdown table.
"""
import json
import os
import statistics
import sys
from collections import defaultdict

# Implementation names, longest first (criterion turns `case/impl` into `case_impl`).
IMPLS = sorted(
    """baseline baseline_value baseline_plain_struct scimkit scimkit_parse_compile scimkit_compiled
    scimkit_schemaless scimkit_schema scimkit_schema_validated scimkit_user scim_proto scim_v2
    scim-filter scim-server""".split(),
    key=len,
    reverse=True,
)


def load(dirs):
    runs = defaultdict(list)
    for root in dirs:
        for dirpath, _, files in os.walk(root):
            if not dirpath.endswith("/new") or "estimates.json" not in files:
                continue
            rel = os.path.relpath(os.path.dirname(dirpath), root)
            if "report" in rel.split(os.sep):
                continue
            with open(os.path.join(dirpath, "estimates.json")) as f:
                runs[rel].append(json.load(f)["median"]["point_estimate"])
    return {k: (statistics.median(v), len(v)) for k, v in runs.items()}


def split(rel):
    parts = rel.split(os.sep)
    group, leaf = parts[0], "/".join(parts[1:])
    for impl in IMPLS:
        for sep in ("/", "_"):
            if leaf.endswith(sep + impl):
                return group, leaf[: -len(impl) - 1], impl
    return group, leaf, "?"


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    results = load(sys.argv[1:])
    table = defaultdict(dict)
    for rel, (ns, n) in results.items():
        group, case, impl = split(rel)
        table[(group, case)][impl] = (ns, n)
    for (group, case), impls in sorted(table.items()):
        ours = next((impls[k][0] for k in ("scimkit_compiled", "scimkit", "scimkit_schemaless", "scimkit_user") if k in impls), None)
        cells = []
        for impl, (ns, n) in sorted(impls.items()):
            ratio = f" ({ours / ns:.2f}×)" if ours and not impl.startswith("scimkit") else ""
            cells.append(f"{impl} {fmt(ns)}{ratio}")
        print(f"| {group} | {case} | " + "; ".join(cells) + f" | {max(n for _, n in impls.values())} |")


if __name__ == "__main__":
    main()
