//! `bindgen`: wasm-bindgen's `wasm-bindgen` command, which post-processes a
//! wasm32 module built with the `wasm-bindgen` crate into the module and its
//! JavaScript glue; the same command line as upstream (see
//! `wasm/playground/build.sh`). Named apart because a binary's crate name is
//! its own, and rustc refuses a crate called `wasm_bindgen` whose package
//! version is below 0.2.88.

fn main() {
    if let Err(error) = wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(std::env::args_os()) {
        eprintln!("error: {error:?}");
        std::process::exit(1);
    }
}
