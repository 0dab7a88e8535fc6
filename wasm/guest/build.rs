//! The guest's shadow stack (in its linear memory) holds the parser's larger
//! frames. Rust's default for wasm32 is 1 MiB, which a 9,900-link call
//! chain (a statement CPython 3.13 compiles) overflows as an out-of-bounds
//! trap; 8 MiB matches the host's `max_wasm_stack` (`host/src/sandbox.rs`).
//! The pages are touched only when a file nests that deep.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size=8388608");
    }
}
