#!/usr/bin/env bash
# Build the playground and run every test of the browser face:
#
#   1. native unit tests of revguard-web (cargo test);
#   2. wasm-bindgen tests of the binding, run in Node by wasm-bindgen-test-runner;
#   3. build.sh (the web crate, wasm-bindgen, the page) into dist/;
#   4. tsc: graph.js against the generated wasm/web/types.d.ts;
#   5. the end-to-end suite in headless Chromium (node --test, playwright-core
#      driving /usr/bin/chromium; never a downloaded browser), including the
#      bundle-size budget and the SQL examples' verdicts against the CLI's
#      (`cargo build -p revguard` first);
#   6. the browser benchmark (prints numbers; PLAYGROUND_BENCH_WRITE=1 also
#      updates BENCHMARKS.md).
#
# Needs node + npm and Debian's chromium (`apt-get install -y chromium`).
# Without them it prints a loud notice and exits 0, unless CI is set: then a
# missing tool fails the run. CHROMIUM overrides the browser path.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM="$chromium"

missing=()
command -v node >/dev/null || missing+=("node")
command -v npm >/dev/null || missing+=("npm")
[ -x "$chromium" ] || missing+=("chromium ($chromium)")
if [ ${#missing[@]} -gt 0 ]; then
    {
        echo
        echo "################################################################"
        echo "##  PLAYGROUND TESTS NOT RUN: missing ${missing[*]}"
        echo "##  Install them (Debian: apt-get install -y chromium nodejs npm)"
        echo "##  to build and test the browser playground."
        echo "################################################################"
        echo
    } >&2
    if [ -n "${CI:-}" ]; then
        echo "playground: CI is set, so a missing tool is a failure" >&2
        exit 1
    fi
    exit 0
fi

step() { printf '\n==> playground: %s\n' "$*" >&2; }

step "build (wasm-bindgen CLI from the workspace, web crate, page)"
bash "$here/build.sh"

step "revguard-web native unit tests (and the bindgen pin)"
(cd "$root" && cargo test --locked -p revguard-web --features safety,django,config --lib && cargo test --locked -p revguard-web-syntax --features translate --lib &&
    cargo test --locked -p revguard-wasm-bindgen --lib)

step "revguard-web wasm-bindgen tests (Node)"
# The runner was built by build.sh beside the CLI (wasm/bindgen), by path.
runner="${CARGO_TARGET_DIR:-$root/target}/debug/bindgen-test-runner"
(cd "$root" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$runner" \
    cargo test --locked -p revguard-web --target wasm32-unknown-unknown --features safety,django,config --test web)

step "npm ci (playwright-core and typescript; no browser download)"
cd "$here"
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts
fi

step "type-check the page's graph code against the generated wasm/web/types.d.ts"
npx --no-install tsc -p tsconfig.json

step "the CLI (the SQL examples' verdicts are compared with its JSON)"
(cd "$root" && cargo build --locked -p revguard --bin revguard)

step "end-to-end suite in headless Chromium ($("$chromium" --version 2>/dev/null | head -n1))"
node --test tests/e2e.mjs

step "benchmark: 1,000 generated files in Chromium (not a timed test)"
if [ "${PLAYGROUND_BENCH_WRITE:-0}" = 1 ]; then
    node tools/bench.mjs --write
else
    node tools/bench.mjs
fi
