//! The whole check through the guest ABI's entry point (body:
//! `revguard_fuzz_targets::check_abi`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| revguard_fuzz_targets::check_abi(data));
