#!/usr/bin/env bash
# Build the playground into wasm/playground/dist/ (a static site: serve it with
# any static file server; it needs no network at run time).
#
#   1. the web crate for wasm32-unknown-unknown, profile `wasm`;
#   2. wasm-bindgen --target web, built from the workspace (wasm/bindgen) at
#      exactly the crate's pinned version;
#   3. optionally (REVGUARD_WASM_OPT=1) wasm-opt -Oz from Debian's binaryen;
#      off by default because it makes the gzipped download larger;
#   4. the page's own files, and the examples embedded as dist/examples.js.
#
# Needs: cargo with the wasm32-unknown-unknown target, node (for step 4).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
dist="$here/dist"
target_dir=${CARGO_TARGET_DIR:-$root/target}

say() { printf 'playground: %s\n' "$*" >&2; }

# wasm-bindgen's CLI is a workspace member (wasm/bindgen), pinned by our own
# Cargo.lock at exactly the web crate's wasm-bindgen version, and called by
# path from the target directory: never `cargo install`, never from PATH.
say "cargo build -p revguard-wasm-bindgen (wasm-bindgen CLI from the workspace lock)"
(cd "$root" && cargo build --locked -p revguard-wasm-bindgen --bins)
bindgen="$target_dir/debug/bindgen"
want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$root/wasm/web/Cargo.toml")
have=$("$bindgen" --version | awk '{print $2}')
if [ -z "$want" ] || [ "$have" != "$want" ]; then
    say "wasm/bindgen builds wasm-bindgen '$have' but wasm/web pins '${want:-?}'"
    exit 1
fi

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown

# Seven modules, built by separate cargo invocations so that cargo's feature
# unification cannot pull one module's engine into another:
#   revguard-web          the core without its `python` feature, Alembic's
#                         check: the first diagnostics (~225 KB gzipped with
#                         the page);
#   revguard-web-syntax   the whole-file validator (Ruff's parser), fetched
#                         after the first Alembic render (docs/syntax.md);
#   revguard_web_sql      revguard-web again with only its `sql` feature (the
#                         SQL-file tools), fetched only for such a project;
#   revguard_web_django   revguard-web again with only its `django` feature
#                         (Django's discovery, reader, graph and lock),
#                         fetched only for a Django project; the validator
#                         follows it;
#   revguard_web_config   revguard-web again with only its `config` feature
#                         (the CLI's configuration parser, for the project's
#                         `[django]` settings), fetched with the Django module
#                         only when a root file may configure revguard;
#   revguard_web_safety   revguard-web again with only its `safety` feature
#                         (squawk's deploy-safety lint, and Alembic's and the
#                         SQL-file tools' checks with it), fetched only when a
#                         project has migrations to lint (docs/safety.md);
#   revguard_web_translate revguard-web-syntax again with only its `translate`
#                         feature (Ruff's parser and the translation of each
#                         `upgrade()` into the SQL Alembic emits), fetched with
#                         the lint module for an Alembic project.
# The revguard-web builds write the same file, so the SQL, Django, settings
# and safety ones are copied aside before the first module is built again;
# the same for the translator before the validator.
wasm_dir="$target_dir/wasm32-unknown-unknown/wasm"
for feature in sql django config safety; do
    say "cargo build -p revguard-web --no-default-features --features $feature (wasm32, profile wasm)"
    (cd "$root" && cargo build --locked -p revguard-web --lib --profile wasm --target wasm32-unknown-unknown \
        --no-default-features --features "$feature")
    cp "$wasm_dir/revguard_web.wasm" "$wasm_dir/revguard_web_$feature.wasm"
done
say "cargo build -p revguard-web (wasm32, profile wasm)"
(cd "$root" && cargo build --locked -p revguard-web --lib --profile wasm --target wasm32-unknown-unknown)
say "cargo build -p revguard-web-syntax --no-default-features --features translate (wasm32, profile wasm)"
(cd "$root" && cargo build --locked -p revguard-web-syntax --lib --profile wasm --target wasm32-unknown-unknown \
    --no-default-features --features translate)
cp "$wasm_dir/revguard_web_syntax.wasm" "$wasm_dir/revguard_web_translate.wasm"
say "cargo build -p revguard-web-syntax (wasm32, profile wasm)"
(cd "$root" && cargo build --locked -p revguard-web-syntax --lib --profile wasm --target wasm32-unknown-unknown)

rm -rf "$dist"
mkdir -p "$dist/pkg"
wasm="$wasm_dir/revguard_web.wasm"
if [ "${REVGUARD_WASM_OPT:-0}" = 1 ]; then
    # Opt-in. Measured: -Oz makes the .wasm ~8% smaller raw but ~7% LARGER
    # gzipped (what is actually downloaded). It must run before wasm-bindgen:
    # Debian's binaryen 108 rewrites the export of wasm-bindgen's externref
    # table to the funcref table, and the page then fails at start-up.
    say "wasm-opt -Oz ($(wasm-opt --version)) before wasm-bindgen"
    wasm-opt -Oz "$wasm" -o "$dist/pre.wasm"
    wasm="$dist/pre.wasm"
fi
say "wasm-bindgen $want --target web"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web "$wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_syntax \
    "$target_dir/wasm32-unknown-unknown/wasm/revguard_web_syntax.wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_sql "$wasm_dir/revguard_web_sql.wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_django "$wasm_dir/revguard_web_django.wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_config "$wasm_dir/revguard_web_config.wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_safety "$wasm_dir/revguard_web_safety.wasm"
"$bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$dist/pkg" --out-name revguard_web_translate "$wasm_dir/revguard_web_translate.wasm"
rm -f "$dist/pre.wasm"

cp "$here/index.html" "$dist/"
cp "$here"/src/*.js "$here"/src/*.css "$here"/src/*.svg "$dist/"
node "$here/tools/examples.mjs" "$root/examples" "$here/examples" >"$dist/examples.js"

say "built $dist"
(cd "$dist" && ls -l pkg/revguard_web_bg.wasm pkg/revguard_web.js pkg/revguard_web_syntax_bg.wasm pkg/revguard_web_sql_bg.wasm pkg/revguard_web_django_bg.wasm pkg/revguard_web_config_bg.wasm pkg/revguard_web_safety_bg.wasm pkg/revguard_web_translate_bg.wasm) >&2
