//! The guest ABI v2 tables (`revguard_core::wire`) on arbitrary bytes: every
//! decoder returns a table or an error, never a panic; and the two-phase
//! check (per-file facts, then the graph step with the facts given) reports
//! exactly what the one-phase check does.
//!
//! Input: the first byte picks the table kind; the rest is the table, or,
//! for kind 3, up to 8 migration files split on `\x00\x01`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revguard_core::python::PythonVersion;
use revguard_core::wire;
use revguard_core::{Content, InputFile, Request};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    match kind % 4 {
        0 => drop(wire::decode_check(rest)),
        1 => {
            let out = wire::analyze_table(rest);
            assert!(out.starts_with(wire::FACTS_MAGIC) || out.starts_with(wire::ERROR_MAGIC));
        }
        2 => drop(wire::decode_facts(rest)),
        _ => two_phases(rest),
    }
});

fn two_phases(data: &[u8]) {
    let mut request = Request::default();
    let mut rest = data;
    for i in 0..8 {
        let (piece, tail) = match rest.windows(2).position(|w| w == b"\x00\x01") {
            Some(at) => (&rest[..at], &rest[at + 2..]),
            None => (rest, &[][..]),
        };
        request.files.push(InputFile {
            location: 0,
            path: format!("{i:02}_rev.py"),
            real_path: None,
            content: Content::from_bytes(piece.to_vec()),
        });
        if tail.is_empty() {
            break;
        }
        rest = tail;
    }
    let files: Vec<&[u8]> = request
        .files
        .iter()
        .map(|f| f.content.bytes().unwrap_or_default())
        .collect();
    let table = wire::encode_analyze(PythonVersion::DEFAULT, &files);
    let output = wire::analyze_table(&table);
    let runs = wire::decode_analyze_output(&output).expect("facts for every file");
    let facts = runs.iter().map(|r| wire::decode_facts(r)).collect::<Vec<_>>();
    assert!(facts.iter().all(Option::is_some), "facts decode");
    let one = revguard_core::to_json(&revguard_core::check(&request));
    let two = revguard_core::to_json(&revguard_core::check_with_facts(&request, facts));
    assert_eq!(one, two, "the two-phase check reports what the one-phase one does");
}
