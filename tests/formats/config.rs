//! `[tool.revguard]` / `revguard.toml` through the real CLI.

use std::path::Path;

use crate::{clean, code, copy_dir, incident, revguard, stderr, stdout};

fn project(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(from, dir.path());
    dir
}

fn report(dir: &Path) -> (i32, serde_json::Value) {
    let output = revguard(dir, &["check", "--format", "json"]);
    assert!(matches!(code(&output), 0 | 1), "{}", stderr(&output));
    (
        code(&output),
        serde_json::from_str(&stdout(&output)).expect("json report"),
    )
}

fn checks(report: &serde_json::Value) -> Vec<String> {
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    diagnostics
        .iter()
        .map(|d| d["check"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut old = std::fs::read_to_string(path).unwrap_or_default();
    old.push_str(text);
    std::fs::write(path, old).expect("write");
}

#[test]
fn severity_from_pyproject_changes_the_outcome() {
    let dir = project(&incident());
    let (before, report_before) = report(dir.path());
    assert_eq!(before, 1);
    assert!(
        checks(&report_before)
            .iter()
            .any(|c| c == "duplicate-revision")
    );

    append(
        &dir.path().join("pyproject.toml"),
        "\n[tool.revguard.severity]\nduplicate-revision = \"warning\"\nmultiple-heads = \"off\"\n",
    );
    let (_, after) = report(dir.path());
    let diagnostics = after["diagnostics"].as_array().expect("diagnostics");
    let duplicate = diagnostics
        .iter()
        .find(|d| d["check"] == "duplicate-revision")
        .expect("still reported");
    assert_eq!(duplicate["severity"], "warning");
    assert!(
        !checks(&after).iter().any(|c| c == "multiple-heads"),
        "`off` removes the check"
    );
}

#[test]
fn revguard_toml_sets_the_policy() {
    let dir = project(&clean());
    std::fs::write(dir.path().join("revguard.toml"), "policy = \"linear\"\n").expect("write");
    let (code, report) = report(dir.path());
    assert_eq!(code, 0);
    assert_eq!(report["policy"], "linear");
}

#[test]
fn unknown_key_fails_with_its_location() {
    let dir = project(&clean());
    std::fs::write(
        dir.path().join("revguard.toml"),
        "# settings\npolicy = \"linear\"\nseverities = {}\n",
    )
    .expect("write");
    let output = revguard(dir.path(), &["check"]);
    assert_eq!(code(&output), 2, "a bad configuration is a tool error");
    assert!(
        stdout(&output).is_empty(),
        "nothing on stdout: {}",
        stdout(&output)
    );
    let err = stderr(&output);
    assert!(
        err.contains("revguard.toml:3:1: unknown field `severities`"),
        "{err}"
    );
    assert!(
        err.contains("3 | severities = {}"),
        "the line is quoted: {err}"
    );
}

#[test]
fn unknown_check_in_pyproject_is_located() {
    let dir = project(&clean());
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"app\"\n\n[tool.revguard.severity]\nduplicate-revisions = \"off\"\n",
    )
    .expect("write");
    let output = revguard(dir.path(), &["check"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains("pyproject.toml:5:1: unknown check `duplicate-revisions`"),
        "{err}"
    );
    assert!(err.contains("did you mean `duplicate-revision`?"), "{err}");
}
