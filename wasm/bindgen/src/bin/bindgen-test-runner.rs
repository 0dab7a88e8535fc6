//! `bindgen-test-runner` (wasm-bindgen's `wasm-bindgen-test-runner`):
//! cargo's runner for `wasm32-unknown-unknown` test binaries
//! (`CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER`). The playground's binding
//! tests run it in Node; see `wasm/playground/test.sh`.

fn main() -> anyhow::Result<()> {
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(std::env::args_os())
}
