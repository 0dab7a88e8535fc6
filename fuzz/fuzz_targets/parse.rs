//! The parser on arbitrary bytes (body: `revguard_fuzz_targets::parse`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revguard_fuzz_targets::parse(data));
