#!/usr/bin/env bash
# `just bench`: the performance budget (docs/adr/0001-one-core-three-faces.md), measured.
#
# 1. Generates realistic corpora (tests/support/src/corpus.rs, seed 1) of 100 /
#    1,000 / 10,000 / 100,000 revisions under target/bench/corpus-N, each a
#    full Alembic project (alembic.ini, env.py, versions/).
# 2. Whole process, side by side in one hyperfine run per size: the read
#    floor (`cat` of every migration file), `revguard check` with the wasm
#    engine, with the native engine, and `alembic heads` (the venv of
#    tests/oracle/setup-venv.sh, Alembic 1.20.1; skipped at 100,000, where one
#    run takes minutes).
# 3. Peak memory of each command at each size (`/usr/bin/time -v`).
# 4. Criterion, in-process (`cargo bench -p revguard --bench check`): parse
#    MB/s, check native and through the guest ABI.
# 5. Replaces the "Performance budget (just bench)" section of BENCHMARKS.md
#    with the results, the machine, the load, the commands and the date.
#
# Environment: REVGUARD_BENCH_SIZES=100,1000 (default all four),
# REVGUARD_BENCH_CRITERION=0 skips step 4, REVGUARD_BENCH_WRITE=0 leaves
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

cargo build --release --locked -p revguard --bin revguard --example gen-corpus
bin=$repo/target/release/revguard
gen=$repo/target/release/examples/gen-corpus
[ -x .venv/bin/alembic ] || bash tests/oracle/setup-venv.sh
alembic=$repo/.venv/bin/alembic

# A warm compiled-module cache, as on any machine after its first run.
export REVGUARD_CACHE_DIR=$out/module-cache
# The 100,000-revision corpus (163 MB of files) needs more than the default
# 512 MiB sandbox memory cap; see BENCHMARKS.md.
rg_args="check --format json --max-memory 4096"

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
    "$bin" $rg_args "$dir" > /dev/null
    cmds=(
        "find $versions -name '*.py' -print0 | xargs -0 cat"
        "$bin $rg_args --engine wasm $dir"
        "$bin $rg_args --engine native $dir"
    )
    names=(cat "revguard (wasm)" "revguard (native)")
    if [ "$n" -le 10000 ]; then
        cmds+=("cd $dir && $alembic heads")
        names+=("alembic heads")
    fi
    runs=10
    [ "$n" -ge 100000 ] && runs=3
    hf_args=()
    for i in "${!cmds[@]}"; do hf_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine --warmup 1 --min-runs "$runs" --style basic \
        --export-json "$out/hyperfine-$n.json" --export-markdown "$out/hyperfine-$n.md" \
        "${hf_args[@]}" > "$out/hyperfine-$n.log" 2>&1
    {
        echo "### $n revisions ($files files, $(awk "BEGIN {printf \"%.1f\", $bytes/1048576}") MiB)"
        echo
        python3 - "$out/hyperfine-$n.json" "${names[@]}" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
floor = data[0]["mean"]
wasm = data[1]["mean"]
print("| command | mean | σ | min | × cat | × revguard (wasm) |")
print("|---|---:|---:|---:|---:|---:|")
for name, r in zip(names, data):
    print(f"| {name} | {r['mean']*1e3:.1f} ms | {r['stddev']*1e3:.1f} ms | {r['min']*1e3:.1f} ms "
          f"| {r['mean']/floor:.2f} | {r['mean']/wasm:.2f} |")
PY
        echo
        echo "| peak RSS (\`/usr/bin/time -v\`) | MiB |"
        echo "|---|---:|"
        for i in "${!cmds[@]}"; do
            kb=$( { /usr/bin/time -v sh -c "${cmds[$i]}" > /dev/null 2> "$out/time.err"; } 2>&1; grep 'Maximum resident' "$out/time.err" | awk '{print $NF}')
            echo "| ${names[$i]} | $(awk "BEGIN {printf \"%.1f\", $kb/1024}") |"
        done
        echo "| budget: 3 × input + 40 MiB | $(awk "BEGIN {printf \"%.1f\", 3*$bytes/1048576 + 40}") |"
        echo
    } >> "$results"
    echo "bench: $n revisions done" >&2
done
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
        echo "load average $load_before before, $load_after after (shared machine: other builds were running)."
        echo "Corpora: \`cargo run --release --example gen-corpus -- N DIR --seed 1\` (Alembic 1.20's generic template, autogenerate-style bodies, a labelled feature branch merged back about every 50 revisions, 2% depends_on, no faults; every check exits 0)."
        echo "Commands: \`revguard $rg_args --engine wasm|native DIR\` (warm compiled-module cache), \`alembic heads\` in DIR (Alembic 1.20.1), and the floor \`find versions -name '*.py' -print0 | xargs -0 cat\`; hyperfine, warmup 1."
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
import re, sys
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
