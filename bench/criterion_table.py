#!/usr/bin/env python3
"""Summarise the last `cargo bench -p iamc-bench --bench decide` run as a markdown table:
median time per decision (per compile for `compile`) of every group and engine, and the
reference/compiled ratio. Usage: bench/criterion_table.py [TARGET_DIR] (default
$CARGO_TARGET_DIR or target)."""
import json
import os
import sys
from pathlib import Path

target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target"))
root = target / "criterion"
rows = {}
for bench in root.glob("**/new/benchmark.json"):
    b = json.loads(bench.read_text())
    est = json.loads((bench.parent / "estimates.json").read_text())
    elems = (b.get("throughput") or {}).get("Elements") or 1
    ns = est["median"]["point_estimate"] / elems
    rows.setdefault(b["group_id"], {})[b["function_id"]] = ns


def fmt(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


print("| workload | compiled /decision | interned /decision | reference /decision | reference ÷ compiled | compile |")
print("|---|---:|---:|---:|---:|---:|")
ORDER = ["single", "realistic", "seeds", "managed-all"]
for n in (10, 100, 1000, 10000):
    ORDER += [f"scale-{n}", f"scale-{n}/named", f"scale-{n}/unnamed"]
ORDER.append("hostile")
for g in sorted(rows, key=lambda g: (ORDER.index(g) if g in ORDER else len(ORDER), g)):
    r = rows[g]
    c, ref = r.get("compiled"), r.get("reference")
    ratio = f"{ref / c:.0f}×" if c and ref else "-"
    print(f"| {g} | {fmt(c)} | {fmt(r.get('interned'))} | {fmt(ref)} | {ratio} | {fmt(r.get('compile'))} |")
