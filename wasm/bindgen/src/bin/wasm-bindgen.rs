//! `wasm-bindgen`: post-processes a wasm32 module built with the
//! `wasm-bindgen` crate into the module and its JavaScript glue. The same
//! command line as the upstream CLI; see `wasm/playground/build.sh`.

fn main() {
    if let Err(error) = wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(std::env::args_os()) {
        eprintln!("error: {error:?}");
        std::process::exit(1);
    }
}
