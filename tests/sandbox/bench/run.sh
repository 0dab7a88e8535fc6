#!/usr/bin/env bash
# Whole-process benchmark of the sandbox: `revguard check` under
# `--engine wasm` (the default) and `--engine native`, on generated linear
# histories of 100 / 1,000 / 10,000 files, with `cat` of the same files as the
# read floor. Writes a Markdown table (hyperfine --export-markdown).
#
# Usage: tests/sandbox/bench/run.sh [OUT_DIR]     (needs hyperfine, python3)
# REVGUARD_BIN=/path/to/revguard skips the release build.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$repo/target/bench-sandbox}
mkdir -p "$out"
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }

cd "$repo"
bin=${REVGUARD_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -p revguard
  bin=$repo/target/release/revguard
fi

for n in 100 1000 10000; do
  [ -d "$out/corpus-$n" ] || python3 tests/sandbox/bench/gen_corpus.py "$n" "$out/corpus-$n"
done

# A private, warm compiled-module cache, as on any machine after its first run.
export REVGUARD_CACHE_DIR=$out/cache
"$bin" check --format json "$out/corpus-100" >/dev/null

hyperfine --warmup 3 --min-runs 20 \
  --export-markdown "$out/whole-process.md" --export-json "$out/whole-process.json" \
  -L n 100,1000,10000 \
  "cat $out/corpus-{n}/migrations/versions/*.py" \
  "$bin check --format json --engine native $out/corpus-{n}" \
  "$bin check --format json --engine wasm $out/corpus-{n}"

# The first run on a machine (or with the cache off): cranelift compiles the
# guest in-process before checking.
REVGUARD_CACHE_DIR= hyperfine --warmup 1 --min-runs 10 \
  --export-markdown "$out/cold.md" \
  "$bin check --format json --engine wasm $out/corpus-1000"

echo "results: $out/whole-process.md $out/cold.md"
