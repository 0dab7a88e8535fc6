//! The whole check through the guest ABI's entry point: the guest's
//! `revguard_check(ptr, len)` is exactly `revguard_core::check_json` on the
//! request bytes (wasm/guest/src/lib.rs), so this drives the same code with
//! what a host could send. The wasm-only limits (fuel, memory, stack) are
//! covered by tests/sandbox.
//!
//! Input: when the bytes start with `{`, they are the request JSON as is
//! (malformed requests must give `{"error": ...}`, never a panic).
//! Otherwise they are split into up to 8 files on `\x00\x01` and each
//! piece becomes a migration file, so the fuzzer reaches the graph and the
//! checks instead of fighting the JSON syntax.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revguard_core::{Content, InputFile, Request};

fuzz_target!(|data: &[u8]| {
    let json = if data.first() == Some(&b'{') {
        data.to_vec()
    } else {
        let mut request = Request::default();
        request.options.recursive = data.len() % 2 == 1;
        for (i, piece) in split(data).into_iter().take(8).enumerate() {
            request.files.push(InputFile {
                location: 0,
                path: format!("{i:02}_rev{}.py", if i % 3 == 2 { "/sub" } else { "" }),
                real_path: None,
                content: Content::from_bytes(piece.to_vec()),
            });
        }
        serde_json::to_vec(&request).expect("requests serialise")
    };
    let out = revguard_core::check_json(&json);
    let value: serde_json::Value = serde_json::from_slice(&out).expect("the ABI returns JSON");
    assert!(value.is_object());
    assert_eq!(out, revguard_core::check_json(&json), "deterministic");
});

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == b"\x00\x01") {
        pieces.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    pieces.push(rest);
    pieces
}
