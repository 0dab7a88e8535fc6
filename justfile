#!/usr/bin/env -S just --justfile
# revguard developer menu: `just --list`.

set shell := ["bash", "-euo", "pipefail", "-c"]

alias t := test

# Check the bundled incident example (exits 1: it is broken on purpose).
[group('run')]
example:
    cargo run --locked --release -- check examples/incident-443

# Build the CLI (the wasm guest is built by host/build.rs).
[group('build')]
build:
    cargo build --locked --release

# Run every Rust test (the README's test command).
[group('test')]
test:
    cargo test

# Format check and clippy with warnings as errors (fixes formatting locally).
[group('lint')]
lint:
    if [ -n "${CI:-}" ]; then cargo fmt --all --check; else cargo fmt --all; fi
    cargo clippy --locked --workspace --all-targets -- -D warnings
    cargo clippy --locked -p revguard-guest --no-deps --target wasm32-unknown-unknown --target-dir target/guest-wasm -- -D warnings

# API docs of every crate (target/doc), warnings as errors like CI.
[group('lint')]
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --workspace

# Build the wasm guest alone, exactly as host/build.rs builds the one it
# embeds (profile wasm-guest, target dir target/guest-wasm):
# target/guest-wasm/wasm32-unknown-unknown/wasm-guest/revguard_guest.wasm
[group('build')]
wasm:
    rustup target add wasm32-unknown-unknown
    cargo build --locked -p revguard-guest --profile wasm-guest --target wasm32-unknown-unknown --target-dir target/guest-wasm

# Build the browser playground into wasm/playground/dist/.
[group('build')]
playground:
    bash wasm/playground/build.sh

# Build the playground and run its Chromium suite.
[group('test')]
playground-test:
    bash wasm/playground/test.sh

# Serve the built playground on http://127.0.0.1:8765.
[group('run')]
serve: playground
    python3 -m http.server 8765 --bind 127.0.0.1 --directory wasm/playground/dist

# Create the venv with Alembic 1.20.1 for the differential tests.
[group('test')]
venv:
    bash tests/oracle/setup-venv.sh

# Benchmarks (criterion + whole-process vs `alembic heads`); writes BENCHMARKS.md.
[group('bench')]
bench:
    bash tests/bench/run.sh

# Warm checks in result caches of 0, 100,000 and 400,000 other entries, and eviction (hyperfine).
[group('bench')]
bench-cache:
    bash tests/bench/cache.sh

# Django rows: `check --dialect django` vs Django's MigrationLoader on 1,000
# generated migrations (hyperfine; needs a Python with Django, see the script).
[group('bench')]
bench-django python="":
    bash tests/bench/django.sh {{python}}

# SQL-file tool rows: warm `check` of 1,000 migrations per tool vs `cat`, with
# the deploy-safety lint off and on (hyperfine; default tools sqlx goose flyway).
[group('bench')]
bench-sql *tools:
    bash tests/bench/sql.sh {{tools}}

# The real-project Django corpus (tests/corpus/django/manifest.json): CLONES
# holds a clone per project at CLONES/<owner>/<name>, e.g.
# `git clone https://github.com/saleor/saleor CLONES/saleor/saleor` (every
# repository is listed in the manifest). Each state is rebuilt from the
# clone with `git archive`; revguard must name each conflict and stay silent
# on the healthy states.
[group('test')]
django-corpus clones=env_var_or_default("REVGUARD_DJANGO_CORPUS", ""):
    test -n "{{clones}}" || { echo "give the clones' directory: just django-corpus DIR (or REVGUARD_DJANGO_CORPUS)" >&2; exit 2; }
    cargo build --locked --release
    python3 tests/corpus/django/check.py "{{clones}}" target/release/revguard

# The real-project corpus of the SQL-file tools (tests/corpus/sql/manifest.json):
# CLONES holds a clone per repository at CLONES/<owner>/<name> (a bare clone
# is enough, e.g. `git clone --bare https://github.com/atuinsh/atuin
# CLONES/atuinsh/atuin`). Each pinned state is rebuilt with `git archive`;
# revguard must find no error in the healthy states and name each known
# problem. Extra arguments go to the checker (`--history` also checks every
# older commit of each project and lists the ones with an error).
[group('test')]
sql-corpus clones=env_var_or_default("REVGUARD_SQL_CORPUS", "") *args:
    test -n "{{clones}}" || { echo "give the clones' directory: just sql-corpus DIR (or REVGUARD_SQL_CORPUS)" >&2; exit 2; }
    cargo build --locked --release
    python3 tests/corpus/sql/check.py "{{clones}}" target/release/revguard {{args}}

# Whole-process wasm vs native benchmark (hyperfine); writes BENCHMARKS.md.
[group('bench')]
bench-sandbox:
    bash tests/sandbox/bench/run.sh

# Fuzz every target for SECONDS each on stable (mutation driver; prints
# executions per target; failing inputs go to tests/fuzz/regressions/).
[group('test')]
fuzz seconds="60":
    cargo run --locked --release -p revguard-fuzz-targets --bin fuzz-stable -- {{seconds}}

# The same targets under cargo-fuzz, coverage-guided (needs nightly and cargo-fuzz).
[group('test')]
fuzz-libfuzzer seconds="60":
    bash tests/fuzz/libfuzzer.sh {{seconds}}

# Everything CI runs (installs tools; needs root for apt).
[group('ci')]
ci:
    .ci/run
