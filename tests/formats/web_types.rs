//! The browser binding (`wasm/web`) against the core: its TypeScript
//! declarations are generated from its Rust types and checked in as
//! `wasm/web/types.d.ts` (the playground types against them), and its report
//! is the core's with editor positions added. Both drift silently unless
//! something compares them, and the web crate is not a default workspace
//! member, so the comparison lives here.
//!
//! Refresh the declarations with
//! `REVGUARD_UPDATE_TYPES=1 cargo test -p revguard --test formats web_types`.

use revguard_web::dto::{CheckInput, FileInput};
use serde_json::Value;

use crate::root;

#[test]
fn web_types_d_ts_is_generated_from_the_rust_types() {
    let generated = revguard_web::typescript::declarations();
    let path = root().join("wasm/web/types.d.ts");
    if std::env::var_os("REVGUARD_UPDATE_TYPES").is_some() {
        std::fs::write(&path, &generated).expect("write wasm/web/types.d.ts");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "wasm/web/types.d.ts is not what the Rust types generate; refresh it with \
         REVGUARD_UPDATE_TYPES=1 cargo test -p revguard --test formats web_types\n\
         --- generated\n{generated}"
    );
}

fn file(path: &str, text: &str) -> FileInput {
    FileInput {
        location: 0,
        path: path.into(),
        text: text.into(),
    }
}

fn migration(rev: &str, down: &str, extra: &str) -> String {
    format!("\"\"\"{rev} ✓\"\"\"\nrevision = '{rev}'\ndown_revision = {down}\n{extra}")
}

/// Duplicates, labels, dependencies, a missing parent, a lone `\r`, a syntax
/// error, a stray file: every part of the report has something in it.
fn input() -> CheckInput {
    CheckInput {
        locations: vec!["versions".into()],
        files: vec![
            file(
                "a.py",
                &migration("a", "None", "branch_labels = ('lib',)\n"),
            ),
            file("b1.py", &migration("b", "'a'", "")),
            file("b2.py", &migration("b", "'a'", "depends_on = 'lib'\r")),
            file("c.py", &migration("c", "('b', 'gone')", "x = (\n")),
            file("README.txt", "not a migration\n"),
        ],
        options: Default::default(),
    }
}

/// Undo the binding's two changes: nulls become omitted fields (the CLI
/// leaves them out), empty `notes` disappear, UTF-16 positions go.
fn as_cli(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| {
                !(v.is_null()
                    || key == "column_utf16"
                    || key == "offset_utf16"
                    || (key == "notes" && v.as_array().is_some_and(Vec::is_empty)))
            });
            map.values_mut().for_each(as_cli);
        }
        Value::Array(items) => items.iter_mut().for_each(as_cli),
        _ => {}
    }
}

#[test]
fn web_report_is_the_core_report_with_editor_positions() {
    let request = input().into_request().expect("a valid input");
    let core = serde_json::to_value(revguard_core::check(&request)).expect("json");
    let web = revguard_web::check_input(input()).expect("a valid input");
    let mut web = serde_json::to_value(web).expect("json");
    assert!(web["diagnostics"][0]["labels"][0]["start"]["column_utf16"].is_number());
    assert!(web["files"][4]["revision"].is_null(), "nulls are explicit");
    as_cli(&mut web);
    assert_eq!(web, core);
    // The comparison covers something in every part that has a shape.
    for key in ["diagnostics", "revisions", "label_owners", "python"] {
        let filled = match &core[key] {
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
            _ => false,
        };
        assert!(filled, "{key} is empty: {}", core[key]);
    }
    assert!(core["alembic"]["error"].is_object(), "{}", core["alembic"]);
}
