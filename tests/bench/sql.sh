#!/usr/bin/env bash
# SQL-file tool rows of BENCHMARKS.md: a warm `revguard check` of 1,000
# generated migrations per tool against the budget (≤ 1.5 × `cat` of the
# same files), with the deploy-safety lint off and on.
#
#   bash tests/bench/sql.sh [TOOL...]      (or `just bench-sql`; default: sqlx goose flyway)
#   REVGUARD_BIN=path/to/revguard bash tests/bench/sql.sh   (no build)
#
# Each project holds 1,000 migrations of a few statements. "lint off": the
# project's `.env` names a SQLite database (sqlx) or `[safety] database =
# "sqlite"` (the others), so no lint runs; "lint on": PostgreSQL, with the
# rules that fire on the generated statements left out, so the run lints
# every file but reports nothing (the cost of reporting findings is the
# cost of writing them, measured for Alembic). revguard: release build, wasm
# engine, its own cache directory, warmed before timing. hyperfine,
# warmup 3, 20 runs.
# Needs: hyperfine.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }
rg="${REVGUARD_BIN:-}"
if [ -z "$rg" ]; then
    cargo build --locked --release -p revguard
    rg="$PWD/target/release/revguard"
fi
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(sqlx goose flyway)
out="$PWD/target/bench-sql"
rm -rf "$out" && mkdir -p "$out"
export REVGUARD_CACHE_DIR="$out/cache"

python3 - "$out" "${tools[@]}" <<'PY'
import os, sys
out, tools = sys.argv[1], sys.argv[2:]
body = (
    "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS c{n} bigint;\n"
    "COMMENT ON COLUMN accounts.c{n} IS 'column {n}';\n"
)
for tool in tools:
    for lint in ("off", "on"):
        root = os.path.join(out, f"{tool}-{lint}")
        if tool == "flyway":
            mdir = os.path.join(root, "db/migration")
            name = "V{n}__c{n}.sql"
        else:
            mdir = os.path.join(root, "migrations")
            name = "{n:05d}_c{n}.sql"
        os.makedirs(mdir)
        for n in range(1, 1001):
            text = body.format(n=n)
            if tool == "goose":
                text = "-- +goose Up\n" + text + "-- +goose Down\nSELECT 1;\n"
            with open(os.path.join(mdir, name.format(n=n)), "w") as f:
                f.write(text)
        database = "sqlite" if lint == "off" else "postgresql"
        with open(os.path.join(root, "revguard.toml"), "w") as f:
            f.write(f'dialect = "{tool}"\n\n[safety]\ndatabase = "{database}"\n')
        with open(os.path.join(root, ".squawk.toml"), "w") as f:
            f.write('excluded_rules = ["require-lock-timeout", "require-statement-timeout"]\n')
PY

for tool in "${tools[@]}"; do
    for lint in off on; do
        dir="$out/$tool-$lint"
        "$rg" check --color never "$dir" > "$out/$tool-$lint.txt" || true
        if grep -q '^warning\[\|^error\[' "$out/$tool-$lint.txt"; then
            echo "$tool-$lint: the generated project has findings:" >&2
            head -5 "$out/$tool-$lint.txt" >&2
            exit 1
        fi
    done
    hyperfine -N --warmup 3 --runs 20 --export-markdown "$out/$tool.md" \
        -n "cat" "find $out/$tool-off -name '*.sql' -exec cat {} +" \
        -n "$tool, lint off" "$rg check --color never $out/$tool-off" \
        -n "$tool, lint on" "$rg check --color never $out/$tool-on"
done
