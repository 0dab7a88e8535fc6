//! The parser on arbitrary bytes: must not panic, hang or recurse deeply.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let module = revguard_core::parse::parse_module(data);
    if let Some(err) = &module.facts.syntax_error {
        assert!(err.span.start <= err.span.end && err.span.end <= data.len());
    }
});
