//! The fuzz targets: what each one feeds the core and what it asserts.
//!
//! Two drivers run them: cargo-fuzz on a nightly toolchain (`fuzz/`, each
//! target a one-line `fuzz_target!`), and the stable mutation driver in
//! `src/bin/fuzz-stable.rs` (`just fuzz SECONDS`). An input that made a
//! target fail is kept in `tests/fuzz/regressions/<prefix>-<hash>`, and the
//! crate's `regressions` test replays every one of them on each `cargo test`.
//!
//! A target asserts with `assert!`; a failing input is a panic.

pub mod mutate;

use revguard_core::python::PythonVersion;
use revguard_core::wire;
use revguard_core::{Content, InputFile, Request};

/// One fuzz target.
pub struct Target {
    /// The cargo-fuzz name (`fuzz/fuzz_targets/<name>.rs`).
    pub name: &'static str,
    /// The prefix of its inputs in `tests/fuzz/regressions/`.
    pub prefix: &'static str,
    /// Runs one input; panics when the input breaks a promise.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "parse",
        prefix: "parse",
        run: parse,
    },
    Target {
        name: "check_abi",
        prefix: "check",
        run: check_abi,
    },
    Target {
        name: "wire",
        prefix: "wire",
        run: wire,
    },
];

/// The target whose regression inputs carry this file name's prefix.
pub fn target_for(file_name: &str) -> Option<&'static Target> {
    let (prefix, _) = file_name.split_once('-')?;
    TARGETS.iter().find(|t| t.prefix == prefix)
}

/// The parser on arbitrary bytes: no panic, no hang, no deep recursion, and
/// a syntax error's span lies inside the input.
pub fn parse(data: &[u8]) {
    let module = revguard_core::parse::parse_module(data);
    if let Some(err) = &module.facts.syntax_error {
        assert!(err.span.start <= err.span.end && err.span.end <= data.len());
    }
}

/// The whole check through the guest ABI's entry point (the guest's
/// `revguard_check(ptr, len)` is exactly `revguard_core::check_json`).
///
/// Bytes starting with `{` are the request JSON as is (a malformed one must
/// give `{"error": ...}`); otherwise they are split into up to 8 migration
/// files on `\x00\x01`, so mutations reach the graph and the checks instead
/// of fighting the JSON syntax. The answer is a JSON object, the same twice.
pub fn check_abi(data: &[u8]) {
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
}

/// The guest ABI's binary tables on arbitrary bytes: every decoder returns
/// a table or an error; and the two-phase check (per-file facts, then the
/// graph step) reports exactly what the one-phase check does.
///
/// The first byte picks the table kind; the rest is the table or, for kind
/// 3, up to 8 migration files split on `\x00\x01`.
pub fn wire(data: &[u8]) {
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
}

fn two_phases(data: &[u8]) {
    let mut request = Request::default();
    for (i, piece) in split(data).into_iter().take(8).enumerate() {
        request.files.push(InputFile {
            location: 0,
            path: format!("{i:02}_rev.py"),
            real_path: None,
            content: Content::from_bytes(piece.to_vec()),
        });
    }
    let files: Vec<&[u8]> = request
        .files
        .iter()
        .map(|f| f.content.bytes().unwrap_or_default())
        .collect();
    let table = wire::encode_analyze(&PythonVersion::DEFAULT.into(), &files);
    let output = wire::analyze_table(&table);
    let runs = wire::decode_analyze_output(&output).expect("facts for every file");
    let facts = runs
        .iter()
        .map(|r| wire::decode_facts(r))
        .collect::<Vec<_>>();
    assert!(facts.iter().all(Option::is_some), "facts decode");
    let one = revguard_core::to_json(&revguard_core::check(&request));
    let two = revguard_core::to_json(&revguard_core::check_with_facts(&request, facts.clone()));
    assert_eq!(
        one, two,
        "the two-phase check reports what the one-phase one does"
    );
    // Without the bytes (deploy safety off): the same report, or a request
    // for the bytes, never a different report.
    request.options.safety.enabled = false;
    let full = revguard_core::to_json(&revguard_core::check(&request));
    let omitted = vec![true; request.files.len()];
    for file in &mut request.files {
        file.content = Content::Bytes(Vec::new());
    }
    if let Some(report) = revguard_core::check_without(&request, facts, &omitted) {
        assert_eq!(
            revguard_core::to_json(&report),
            full,
            "a check from facts alone reports what a check with the bytes does"
        );
    }
}

/// `data` split on every `\x00\x01`.
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
