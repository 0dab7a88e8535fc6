"""Markdown tables for tests/bench/run.sh (`just bench`) from hyperfine's JSON.

  table.py N FILES BYTES OUT "NAMES" "RSS_KB"   one size: times, ratios, RSS
  table.py scaling OUT SIZES                     time ratio per 10x files
  table.py jobs JSON                             --jobs scaling
"""
import json
import os
import sys


def results(path):
    with open(path) as f:
        return json.load(f)["results"]


def size_table(n, files, size, out, names, rss_kb):
    data = results(os.path.join(out, f"hyperfine-{n}.json"))
    extra = os.path.join(out, f"hyperfine-{n}-alembic.json")
    if os.path.exists(extra):
        data += results(extra)
    by = {r["command"]: r for r in data}
    mib = int(size) / 1048576
    budget = 3 * mib + 40
    print(f"### {int(n):,} revisions ({int(files):,} files, {mib:.1f} MiB)\n")
    print("| command | mean | σ | min | × cat | peak RSS | within 3 × input + 40 MiB |")
    print("|---|---:|---:|---:|---:|---:|---|")
    floor = by["cat"]["mean"]
    for name, kb in zip(names, rss_kb):
        r = by[name]
        rss = int(kb) / 1024
        within = "—" if name in ("cat", "alembic heads") else ("yes" if rss <= budget else "**no**")
        print(f"| {name} | {r['mean']*1e3:.1f} ms | {(r['stddev'] or 0)*1e3:.1f} ms | {r['min']*1e3:.1f} ms "
              f"| {r['mean']/floor:.2f} | {rss:.1f} MiB | {within} |")
    print()
    mean = {k: v["mean"] for k, v in by.items()}
    alembic = mean.get("alembic heads")
    lines = [
        ("warm wasm vs `alembic heads`", alembic and alembic / mean["wasm warm"], "×", "≥ 30 × at 1,000"),
        ("warm wasm / cat", mean["wasm warm"] / floor, "×", "≤ 1.5 × at 1,000"),
        ("cold wasm vs `alembic heads`", alembic and alembic / mean["wasm cold"], "×", "≥ 10 ×"),
        ("wasm / native, warm", mean["wasm warm"] / mean["native warm"], "×", "≤ 1.3 ×"),
        ("wasm / native, cold", mean["wasm cold"] / mean["native cold"], "×", "≤ 1.3 ×"),
    ]
    print("| ratio | measured | target |")
    print("|---|---:|---|")
    for label, value, unit, target in lines:
        shown = "not run (see above)" if value is None else f"{value:.2f} {unit}"
        print(f"| {label} | {shown} | {target} |")
    print(f"| memory budget (3 × input + 40 MiB) | {budget:.1f} MiB | every revguard row |")
    print()


def scaling(out, sizes):
    ns = [int(s) for s in sizes.split(",")]
    rows = []
    for small, big in zip(ns, ns[1:]):
        if big != small * 10:
            continue
        a = {r["command"]: r["mean"] for r in results(os.path.join(out, f"hyperfine-{small}.json"))}
        b = {r["command"]: r["mean"] for r in results(os.path.join(out, f"hyperfine-{big}.json"))}
        rows.append((small, big, {k: b[k] / a[k] for k in ("wasm cold", "wasm warm", "native cold", "native warm", "cat")}))
    if not rows:
        return
    print("### 10 × the files (target: at most 11 × the time)\n")
    print("| sizes | wasm cold | wasm warm | native cold | native warm | cat |")
    print("|---|---:|---:|---:|---:|---:|")
    for small, big, r in rows:
        cells = " | ".join(f"{r[k]:.2f} ×" for k in ("wasm cold", "wasm warm", "native cold", "native warm", "cat"))
        print(f"| {small:,} → {big:,} | {cells} |")
    print()


def jobs(path):
    data = results(path)
    base = data[0]["mean"]
    print("### `--jobs` scaling (cold, wasm engine, 10,000 files)\n")
    print("| jobs | mean | speed-up |")
    print("|---|---:|---:|")
    for r in data:
        print(f"| {r['command']} | {r['mean']*1e3:.1f} ms | {base / r['mean']:.2f} × |")
    print()


if __name__ == "__main__":
    if sys.argv[1] == "scaling":
        scaling(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "jobs":
        jobs(sys.argv[2])
    else:
        n, files, size, out, names, rss = sys.argv[1:7]
        size_table(n, files, size, out, names.split("|"), rss.split())
