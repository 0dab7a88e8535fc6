//! Incident 443, found and fixed: the acceptance criteria.

use crate::*;

const VERSIONS: &str = "migrations/versions";
const WESTSIDE_OLD: &str = "041_add_westside_streamlit_ro_role.py";
const WESTSIDE_NEW: &str = "044_add_westside_streamlit_ro_role.py";
const AUDIT: &str = "041_add_contract_audit_log.py";

/// Lines that `revguard fix` may change in a moved file.
fn is_metadata(line: &str) -> bool {
    line.starts_with("Revision ID:")
        || line.starts_with("Revises:")
        || line.starts_with("revision =")
        || line.starts_with("down_revision =")
}

#[test]
fn check_reports_the_duplicate_and_the_history_finding() {
    let dir = incident_copy();
    let out = revguard(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let first = text.lines().next().unwrap_or("");
    assert!(first.starts_with("error[duplicate-revision]"), "{first}");
    assert!(text.contains("error[applied-migration-edited]"), "{text}");
    insta::assert_snapshot!("incident_check", text);
}

#[test]
fn fix_dry_run_prints_the_diff() {
    let dir = incident_copy();
    let before = tree(dir.path());
    let out = revguard(dir.path(), &["fix", "."]);
    assert_eq!(code(&out), 1, "changes pending: {}", stderr(&out));
    assert_eq!(before, tree(dir.path()), "a dry run writes nothing");
    insta::assert_snapshot!("incident_fix_diff", stdout(&out));
    insta::assert_snapshot!("incident_fix_notes", stderr(&out));
}

#[test]
fn fix_write_meets_the_acceptance_criteria() {
    let dir = incident_copy();
    let versions = dir.path().join(VERSIONS);
    let audit_before = std::fs::read(versions.join(AUDIT)).expect("audit");
    let westside_before = std::fs::read_to_string(versions.join(WESTSIDE_OLD)).expect("westside");

    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Exactly one file says revision = "041".
    let ids = declared(&versions);
    let with_041: Vec<&String> = ids
        .iter()
        .filter(|(_, id)| *id == "041")
        .map(|(f, _)| f)
        .collect();
    assert_eq!(with_041, [AUDIT], "{ids:?}");
    // The westside file moved to 044 on top of 043.
    assert!(!versions.join(WESTSIDE_OLD).exists());
    let moved = std::fs::read_to_string(versions.join(WESTSIDE_NEW)).expect("moved file");
    assert!(moved.contains("\nrevision = \"044\"\n"), "{moved}");
    assert!(moved.contains("\ndown_revision = \"043\"\n"), "{moved}");
    assert!(moved.contains("\nRevision ID: 044\n"), "{moved}");
    assert!(moved.contains("\nRevises: 043\n"), "{moved}");
    // The applied copy is byte-identical.
    assert_eq!(
        std::fs::read(versions.join(AUDIT)).expect("audit"),
        audit_before
    );
    // The moved file's body is byte-identical outside the metadata lines.
    let strip = |text: &str| -> String {
        text.split_inclusive('\n')
            .filter(|l| !is_metadata(l))
            .collect()
    };
    assert_eq!(strip(&moved), strip(&westside_before));
    assert_eq!(
        moved.len(),
        westside_before.len(),
        "same-width ids: same length"
    );
    // No temporary files left behind.
    assert!(
        tree(dir.path()).keys().all(|k| !k.contains(".revguard-")),
        "{:?}",
        tree(dir.path()).keys().collect::<Vec<_>>()
    );

    // revguard heads prints only 044, and the tree checks clean.
    let heads = revguard(dir.path(), &["heads", "."]);
    assert_eq!(stdout(&heads), "044 (head)\n");
    let check = revguard(dir.path(), &["check", "."]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));

    // Fixing the fixed tree is a no-op.
    let fixed = tree(dir.path());
    let again = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(stdout(&again), "");
    assert_eq!(fixed, tree(dir.path()));
    let dry = revguard(dir.path(), &["fix", "."]);
    assert_eq!((code(&dry), stdout(&dry)), (0, String::new()));

    // Real Alembic agrees.
    let Some(python) = alembic_python("fix_write_meets_the_acceptance_criteria") else {
        return;
    };
    assert_eq!(alembic_heads(&python, dir.path()), ["044"]);
    let loaded = oracle_load(&python, &dir.path().join("alembic.ini"));
    assert_eq!(loaded["heads"], serde_json::json!(["044"]), "{loaded}");
    assert_eq!(loaded["warnings"], serde_json::json!([]), "{loaded}");
    assert_eq!(loaded["error"], serde_json::Value::Null, "{loaded}");
    assert_eq!(loaded["upgrade_head"], "ok", "{loaded}");
}

#[test]
fn before_the_fix_real_alembic_sees_the_phantom_head() {
    let Some(python) = alembic_python("before_the_fix_real_alembic_sees_the_phantom_head") else {
        return;
    };
    let dir = incident_copy();
    assert_eq!(alembic_heads(&python, dir.path()), ["041", "043"]);
    let heads = revguard(dir.path(), &["heads", "."]);
    let printed = stdout(&heads);
    let ours: Vec<&str> = printed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ours, ["041", "043"]);
}

#[test]
fn deployed_lists_what_upgrade_head_runs_after_the_fix() {
    let dir = incident_copy();
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = revguard(dir.path(), &["check", ".", "--deployed", "043"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("incident_deployed_043", stdout(&out));
}
