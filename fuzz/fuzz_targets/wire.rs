//! The guest ABI's binary tables (body: `revguard_fuzz_targets::wire`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revguard_fuzz_targets::wire(data));
