#!/usr/bin/env bash
# `just bench`: the performance budget (docs/adr/0001-one-core-three-faces.md,
# docs/performance.md), measured.
#
# 1. Generates realistic corpora (tests/support/src/corpus.rs, seed 1) of 100 /
#    1,000 / 10,000 / 100,000 revisions under target/bench/corpus-N, each a
#    full Alembic project (alembic.ini, env.py, versions/).
# 2. Whole process, side by side in one hyperfine run per size: the read
#    floor (`cat` of every migration file), `revguard check` with the wasm
#    and the native engine, each cold (`--no-cache`: every file parsed and
#    validated) and warm (every file's facts from the result cache), and real
#    `alembic heads` (the venv of tests/oracle/setup-venv.sh, Alembic 1.20.1;
#    up to 10,000 files: at 100,000 one run was stopped after 14 minutes and
#    4.9 GB, see BENCHMARKS.md).
# 3. Peak memory of each command at each size (`/usr/bin/time -v`), against
#    the budget of 3 × input + 40 MiB.
# 4. Scaling with --jobs 1, 2 and every core (cold, wasm, 10,000 files).
# 5. Criterion, in-process (`cargo bench -p revguard --bench check`).
# 6. Replaces the "Performance budget (just bench)" section of BENCHMARKS.md
#    with the results, the machine, the load, the commands and the date.
#
# Environment: REVGUARD_BENCH_SIZES=100,1000 (default all four),
# REVGUARD_BENCH_CRITERION=0 skips step 5, REVGUARD_BENCH_WRITE=0 leaves
# BENCHMARKS.md alone (results stay in target/bench/).
# Needs: hyperfine (apt-get install -y hyperfine), GNU time, python3.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=$repo/target/bench
mkdir -p "$out"
sizes=${REVGUARD_BENCH_SIZES:-100,1000,10000,100000}
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }

# One build for both: building the example alone would unify features
# differently and rebuild wasmtime.
cargo build --release --locked -p revguard --bin revguard --example gen-corpus
bin=$repo/target/release/revguard
gen=$repo/target/release/examples/gen-corpus
[ -x .venv/bin/alembic ] || bash tests/oracle/setup-venv.sh
alembic=$repo/.venv/bin/alembic

# A warm compiled-module cache, as on any machine after its first run; the
# result cache lives next to it and is what "warm" means below.
export REVGUARD_CACHE_DIR=$out/cache
rm -rf "$REVGUARD_CACHE_DIR"
rg="$bin check --format json"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=$out/results.md
: > "$results"
IFS=, read -r -a ns <<< "$sizes"
for n in "${ns[@]}"; do
    dir=$out/corpus-$n
    [ -d "$dir/alembic/versions" ] || "$gen" "$n" "$dir" --seed 1
    versions=$dir/alembic/versions
    files=$(find "$versions" -name '*.py' | wc -l)
    bytes=$(find "$versions" -name '*.py' -printf '%s\n' | awk '{s+=$1} END {print s}')
    # Fill the result cache of both engines.
    $rg --engine wasm "$dir" > /dev/null
    $rg --engine native "$dir" > /dev/null
    names=(cat "wasm cold" "wasm warm" "native cold" "native warm")
    cmds=(
        "find $versions -name '*.py' -print0 | xargs -0 cat"
        "$rg --engine wasm --no-cache $dir"
        "$rg --engine wasm $dir"
        "$rg --engine native --no-cache $dir"
        "$rg --engine native $dir"
    )
    runs=10
    [ "$n" -ge 100000 ] && runs=3
    if [ "$n" -le 10000 ]; then
        names+=("alembic heads")
        cmds+=("cd $dir && $alembic heads")
    fi
    hf_args=()
    for i in "${!cmds[@]}"; do hf_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine --warmup 1 --min-runs "$runs" --style basic \
        --export-json "$out/hyperfine-$n.json" "${hf_args[@]}" > "$out/hyperfine-$n.log" 2>&1
    rss=()
    for i in "${!cmds[@]}"; do
        /usr/bin/time -v sh -c "${cmds[$i]}" > /dev/null 2> "$out/time.err"
        rss+=("$(awk '/Maximum resident/ {print $NF}' "$out/time.err")")
    done
    python3 tests/bench/table.py "$n" "$files" "$bytes" "$out" "$(IFS="|"; echo "${names[*]}")" "${rss[*]}" >> "$results"
    echo "bench: $n revisions done" >&2
done

python3 tests/bench/table.py scaling "$out" "$sizes" >> "$results"

# Scaling with --jobs, cold (every file parsed and validated in the guests).
if [[ ",$sizes," == *",10000,"* ]]; then
    dir=$out/corpus-10000
    all=$(nproc)
    hyperfine --warmup 1 --min-runs 5 --style basic --export-json "$out/hyperfine-jobs.json" \
        -n "jobs=1" "$rg --no-cache --jobs 1 $dir" \
        -n "jobs=2" "$rg --no-cache --jobs 2 $dir" \
        -n "jobs=$all (all cores)" "$rg --no-cache --jobs $all $dir" > "$out/hyperfine-jobs.log" 2>&1
    python3 tests/bench/table.py jobs "$out/hyperfine-jobs.json" >> "$results"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

criterion=$out/criterion.txt
: > "$criterion"
if [ "${REVGUARD_BENCH_CRITERION:-1}" != 0 ]; then
    REVGUARD_BENCH_SIZES=$sizes cargo bench --locked -p revguard --bench check 2>&1 \
        | grep -E '^(parse|check)/|time:|thrpt:' > "$criterion" || true
fi

if [ "${REVGUARD_BENCH_WRITE:-1}" != 0 ]; then
    section=$out/section.md
    {
        echo "## Performance budget (just bench)"
        echo
        echo "Written by \`just bench\` (\`tests/bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)."
        echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr);"
        echo "load average $load_before before, $load_after after."
        echo "Corpora: \`cargo run --release --example gen-corpus -- N DIR --seed 1\` (Alembic 1.20's generic template, autogenerate-style bodies, a labelled feature branch merged back about every 50 revisions, 2% depends_on, no faults; every check exits 0)."
        echo "Commands: \`revguard check --format json --engine wasm|native [--no-cache] DIR\` with the default limits and \`--jobs\` (every core), a warm compiled-module cache; cold = \`--no-cache\` (every file parsed and validated), warm = every file's facts from the result cache; \`alembic heads\` in DIR (Alembic 1.20.1); the floor \`find versions -name '*.py' -print0 | xargs -0 cat\`; hyperfine, warmup 1."
        echo
        cat "$results"
        if [ -s "$criterion" ]; then
            echo "### Criterion, in-process (\`cargo bench -p revguard --bench check\`)"
            echo
            echo '```text'
            cat "$criterion"
            echo '```'
            echo
        fi
    } > "$section"
    python3 - "$repo/BENCHMARKS.md" "$section" <<'PY'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read()
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
heading = "## Performance budget (just bench)"
start = text.find(heading)
if start == -1:
    text = text.rstrip("\n") + "\n\n" + section
else:
    nxt = text.find("\n## ", start + len(heading))
    end = len(text) if nxt == -1 else nxt + 1
    text = text[:start] + section + ("\n" if nxt != -1 else "") + text[end:]
open(path, "w").write(text)
PY
    echo "bench: BENCHMARKS.md updated" >&2
fi
echo "bench: results in $out" >&2
