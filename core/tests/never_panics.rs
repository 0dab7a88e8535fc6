//! The property half of fuzzing (the other half is the fuzz targets in
//! `tests/fuzz`, run for time by `just fuzz`): a bounded property-based run that feeds arbitrary
//! bytes and Python-ish token soup to the parser and to the whole checker,
//! which must never panic, must produce a report whose spans lie inside the
//! file, and must be deterministic.
//!
//! Bounded: `PROPTEST_CASES` (default below) cases per property, each input
//! at most a few KB. Inputs that once broke a fuzz target are replayed by
//! the `regressions` test of `tests/fuzz`.

use proptest::prelude::*;
use revguard_core::{Content, InputFile, Request, check, check_json, parse::parse_module};

/// Pieces of Python that stress the tokenizer and the statement reader:
/// every string form, brackets, continuations, indentation, the four names,
/// and the bytes that are errors (NUL, stray backslash, unpaired quotes).
const SOUP: &[&str] = &[
    "revision",
    "down_revision",
    "branch_labels",
    "depends_on",
    "=",
    ":",
    ": str",
    "=",
    " = ",
    "None",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ";",
    ":=",
    "+=",
    "+",
    "\n",
    "\r\n",
    "\r",
    "\\\n",
    "\\",
    "    ",
    "\t",
    "#",
    "# comment\n",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "'a'",
    "\"b\"",
    "'ab12'",
    "r'x\\'",
    "b'x'",
    "f'{a}'",
    "f\"{d[\"k\"]}\"",
    "rb'\\x'",
    "u'é'",
    "'''doc\n'''",
    "\"\"\"Revision ID: a\nRevises: b\n\"\"\"",
    "Revision ID: ",
    "Revises: ",
    "def f():\n",
    "class C:\n",
    "if x:\n",
    "else:\n",
    "try:\n",
    "import ",
    "from x import ",
    " as ",
    "del ",
    "@dec\n",
    "1",
    "0x1f",
    "1.5e-3",
    "...",
    "->",
    "é",
    "\u{2028}",
    "\u{feff}",
    "\0",
    "$",
    "?",
    "\x0c",
    "# -*- coding: latin-1 -*-\n",
    "# coding: utf-8\n",
    "match",
    "case",
    "lambda",
    "await",
    "async",
    "*",
    "**",
    "!=",
    "==",
    "'a' 'b'",
    "'\\N{LATIN SMALL LETTER A}'",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SOUP), 0..120).prop_map(|parts| parts.concat())
}

/// A file of arbitrary bytes, or of token soup (mostly soup: it reaches
/// deeper into the reader than random bytes do).
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..2048),
        3 => soup().prop_map(String::into_bytes),
        1 => (soup(), prop::collection::vec(any::<u8>(), 0..8), soup()).prop_map(|(a, b, c)| {
            let mut v = a.into_bytes();
            v.extend(b);
            v.extend(c.into_bytes());
            v
        }),
    ]
}

fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a_x.py".to_string()),
        Just("b.py".to_string()),
        Just("sub/c.py".to_string()),
        Just("__init__.py".to_string()),
        Just("x.pyc".to_string()),
        "[a-f0-9_]{1,12}\\.py",
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::collection::vec((file_name(), file_bytes()), 0..6),
        any::<bool>(),
    )
        .prop_map(|(files, recursive)| {
            let mut request = Request {
                files: files
                    .into_iter()
                    .map(|(path, bytes)| InputFile {
                        location: 0,
                        path,
                        real_path: None,
                        content: Content::from_bytes(bytes),
                    })
                    .collect(),
                ..Request::default()
            };
            request.options.recursive = recursive;
            request
        })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1024)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_and_spans_stay_inside(bytes in file_bytes()) {
        let module = parse_module(&bytes);
        for binding in module.facts.bindings.values() {
            prop_assert!(binding.statement.end <= bytes.len());
            prop_assert!(binding.name_span.start <= binding.name_span.end);
        }
        if let Some(err) = &module.facts.syntax_error {
            prop_assert!(err.span.start <= err.span.end && err.span.end <= bytes.len(), "{err:?}");
        }
        prop_assert_eq!(module, parse_module(&bytes));
    }

    #[test]
    fn checker_never_panics_and_is_deterministic(request in request()) {
        let report = check(&request);
        for diagnostic in &report.diagnostics {
            for label in &diagnostic.labels {
                prop_assert!(label.file < report.files.len());
            }
        }
        let json = serde_json::to_vec(&request).expect("requests serialise");
        let first = check_json(&json);
        prop_assert_eq!(first.clone(), check_json(&json));
        prop_assert_eq!(first, revguard_core::to_json(&report));
    }

    #[test]
    fn check_json_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let out = check_json(&bytes);
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
    }
}

/// Deep nesting is refused, not recursed into (CPython's limit is 200).
#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let text = format!(
        "revision = {}'a'{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let module = parse_module(text.as_bytes());
    let err = module.facts.syntax_error.expect("refused");
    assert_eq!(err.message, "too many nested parentheses");
}

/// Found by `parser_never_panics_and_spans_stay_inside`: an assignment with
/// an empty target indexed past the end of the token list.
#[test]
fn empty_assignment_target_is_a_syntax_error() {
    for text in ["= revision\n", "revision = = 'a'\n", "=\n"] {
        let module = parse_module(text.as_bytes());
        let err = module.facts.syntax_error.expect("refused");
        assert_eq!(err.message, "invalid syntax", "{text:?}");
    }
}
