#!/usr/bin/env bash
# `just fuzz-libfuzzer SECONDS`: run each cargo-fuzz target (fuzz/) for
# SECONDS (default 60) on a nightly toolchain, coverage-guided, with a per-input timeout (a hang is a
# failure) and an RSS limit. Any crash, hang or OOM input is copied to
# tests/fuzz/regressions/<prefix>-<hash> (replayed by the `regressions`
# test of tests/fuzz on every `cargo test`) and the script fails.
#
# Needs: rustup nightly toolchain, `cargo install cargo-fuzz`.
# Without nightly, `just fuzz SECONDS` runs the same targets with the stable
# mutation driver (tests/fuzz/src/bin/fuzz-stable.rs).
set -euo pipefail
seconds=${1:-60}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
rustup toolchain list | grep -q '^nightly' || { echo "a nightly toolchain is missing: rustup toolchain install nightly" >&2; exit 2; }

status=0
for target in parse check_abi wire; do
    case $target in parse) prefix=parse ;; check_abi) prefix=check ;; wire) prefix=wire ;; esac
    corpus=target/fuzz-corpus/$target
    mkdir -p "$corpus"
    # Seeds: the committed ones (check_abi requests), plus every migration
    # in the repository's examples and history fixtures (parse).
    cp -n fuzz/seeds/$target/* "$corpus"/ 2>/dev/null || true
    if [ "$target" = parse ]; then
        find examples tests/history -name '*.py' -size -64k 2>/dev/null | head -200 | while read -r f; do
            cp -n "$f" "$corpus/$(echo "$f" | tr '/' '_')"
        done
    fi
    echo "==> fuzz $target for ${seconds}s"
    set +e
    (cd fuzz && cargo +nightly fuzz run "$target" "../$corpus" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1) 2>&1 | tee "target/fuzz-$target.log" | grep -E '^(#[0-9]+ +DONE|stat::|==|SUMMARY|Done)' || true
    rc=${PIPESTATUS[0]}
    set -e
    for art in fuzz/artifacts/$target/*; do
        [ -f "$art" ] || continue
        name=$prefix-$(sha256sum "$art" | cut -c1-16)
        cp "$art" "tests/fuzz/regressions/$name"
        echo "!! $target: $(basename "$art") -> tests/fuzz/regressions/$name" >&2
        status=1
    done
    if [ "$rc" -ne 0 ]; then
        echo "!! $target exited with $rc (see target/fuzz-$target.log)" >&2
        status=1
    fi
done
exit $status
