#!/usr/bin/env bash
# `just bench-cache`: does a warm check cost what its project costs, whatever
# the result cache holds? (docs/performance.md, "The per-file result cache")
#
# 1. Projects: the bundled incident (6 files, examples/incident-443) and
#    generated corpora of 1,000 and 10,000 files (gen-corpus, seed 1).
# 2. Caches, one directory each: "own" holds only the projects' entries;
#    "100k" and "400k" hold them plus 100,000 / 400,000 entries of other
#    files (cache-fill: synthetic keys, copies of real payloads, written
#    through revguard's own cache code; the cap is raised so nothing is
#    evicted while filling).
# 3. hyperfine: the warm check of each project in each cache (wasm engine,
#    --format json), whole process.
# 4. Eviction: the 400k cache, capped at its own size, gets the 1,000-file
#    project of another seed (cold: 1,000 new entries push it past the cap,
#    the run evicts down to 90%): that run (each hyperfine run restores the
#    full cache first), then the warm run right after the eviction.
#
# Results: target/bench-cache/*.md and the table printed at the end (paste it
# into BENCHMARKS.md, "Result cache at scale").
# Environment: REVGUARD_BENCH_PROFILE=debug uses the dev build (dependencies,
# SQLite and wasmtime included, are optimised there too); REVGUARD_BENCH_BUILD=0
# skips building (the binaries must exist); REVGUARD_BIN=path picks revguard.
# Needs: hyperfine (apt-get install -y hyperfine), python3.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=$repo/target/bench-cache
mkdir -p "$out"
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }

profile=${REVGUARD_BENCH_PROFILE:-release}
flag=--release
[ "$profile" = debug ] && flag=
if [ "${REVGUARD_BENCH_BUILD:-1}" = 1 ]; then
    cargo build $flag --locked -p revguard --bin revguard --example gen-corpus --example cache-fill
fi
bin=${REVGUARD_BIN:-$repo/target/$profile/revguard}
gen=$repo/target/$profile/examples/gen-corpus
fill=$repo/target/$profile/examples/cache-fill

declare -A project=([6]=examples/incident-443)
for n in 1000 10000; do
    dir=$out/corpus-$n
    [ -d "$dir/alembic/versions" ] || "$gen" "$n" "$dir" --seed 1
    project[$n]=$dir
done
other=$out/corpus-1000-seed2
[ -d "$other/alembic/versions" ] || "$gen" 1000 "$other" --seed 2

check() { # CACHE PROJECT: one check, its exit code 0 or 1 (findings) is fine
    REVGUARD_CACHE_DIR=$1 "$bin" check --format json "$2" >/dev/null || [ $? -eq 1 ]
}

for cache in own 100k 400k; do
    dir=$out/cache-$cache
    [ -f "$dir/.filled" ] && continue
    rm -rf "$dir"
    for n in 6 1000 10000; do check "$dir" "${project[$n]}"; done
    case $cache in
        100k) REVGUARD_CACHE_MAX_BYTES=4G "$fill" "$dir" 100000 ;;
        400k) REVGUARD_CACHE_MAX_BYTES=4G "$fill" "$dir" 400000 ;;
    esac
    touch "$dir/.filled"
done

hf() { hyperfine --shell=none --warmup 3 --min-runs 15 -i "$@"; }
for n in 6 1000 10000; do
    args=()
    for cache in own 100k 400k; do
        args+=(-n "$n files, $cache" "env REVGUARD_CACHE_DIR=$out/cache-$cache $bin check --format json ${project[$n]}")
    done
    hf --export-markdown "$out/warm-$n.md" "${args[@]}"
done

# Eviction: the full 400k cache (without the seed-2 project), capped at its
# own byte total.
pristine=$out/cache-400k
work=$out/cache-evict
bytes=$(python3 - "$pristine" <<'PY'
import glob, sqlite3, sys
(pack,) = [p for p in glob.glob(sys.argv[1] + "/facts-*.pack")]
print(sqlite3.connect(pack).execute("SELECT value FROM meta WHERE name='bytes'").fetchone()[0])
PY
)
export REVGUARD_CACHE_MAX_BYTES=$bytes
hyperfine --shell=bash --runs 5 -i --export-markdown "$out/evict.md" \
    --prepare "rm -rf $work && cp -r $pristine $work" \
    -n "1,000 new files into a full 400k cache (evicts)" \
    "REVGUARD_CACHE_DIR=$work $bin check --format json $other >/dev/null"
hf --export-markdown "$out/after-evict.md" \
    -n "1,000 files, warm, right after the eviction" \
    "env REVGUARD_CACHE_DIR=$work $bin check --format json $other"
unset REVGUARD_CACHE_MAX_BYTES

cat "$out"/warm-6.md "$out"/warm-1000.md "$out"/warm-10000.md "$out"/evict.md "$out"/after-evict.md
ls -l "$out"/cache-*/facts-*.pack
