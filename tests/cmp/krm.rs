//! `revguard krm` as a KRM function under real `kpt fn eval --exec`, and
//! directly on a ResourceList.

use crate::{copy_plain, fixture, revguard, tools};
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A checkout: the healthy fixture plus `.git/` (the search boundary).
fn checkout() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_plain(&fixture("healthy"), tmp.path());
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    tmp
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            out.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    out
}

fn kpt_eval(kpt: &Path, cwd: &Path, extra: &[&str]) -> (std::process::Output, Vec<Value>) {
    let results_dir = tempfile::tempdir().unwrap();
    let exec = format!("{} krm", revguard().display());
    let mut cmd = Command::new(kpt);
    cmd.current_dir(cwd)
        .args(["fn", "eval", ".", "--exec", &exec, "--results-dir"])
        .arg(results_dir.path())
        .args(extra)
        .env("HOME", cwd);
    let out = cmd.output().unwrap();
    let results_file = results_dir.path().join("results.yaml");
    let results = std::fs::read_to_string(&results_file)
        .ok()
        .and_then(|t| serde_yaml_ng::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("items").and_then(Value::as_sequence).cloned())
        .unwrap_or_default();
    (out, results)
}

#[test]
fn kpt_passes_a_healthy_package_and_leaves_it_unchanged() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let pkg = repo.path().join("k8s");
    let before = snapshot(&pkg);
    let (out, _) = kpt_eval(&kpt, &pkg, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("[PASS]"), "{text}");
    assert_eq!(
        snapshot(&pkg),
        before,
        "a validator must not change the package"
    );
}

#[test]
fn kpt_fails_on_a_duplicate_revision_and_reports_results() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let versions = repo.path().join("migrations/versions");
    std::fs::write(
        versions.join("003_add_refund_table.py"),
        "\"\"\"add refund table\"\"\"\nrevision = \"003\"\ndown_revision = \"002\"\nbranch_labels = None\ndepends_on = None\n",
    )
    .unwrap();
    let pkg = repo.path().join("k8s");
    let before = snapshot(&pkg);
    let (out, results) = kpt_eval(&kpt, &pkg, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    assert!(
        text.contains("003_add_refund_table.py") && text.contains("003_add_invoice_index.py"),
        "{text}"
    );
    assert_eq!(snapshot(&pkg), before);
    let fn_results = results
        .iter()
        .flat_map(|r| {
            r.get("results")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
        })
        .collect::<Vec<_>>();
    assert!(
        fn_results
            .iter()
            .any(|r| r["severity"].as_str() == Some("error")
                && r["tags"]["check"].as_str() == Some("duplicate-revision")),
        "results file: {results:?}"
    );
}

#[test]
fn kpt_function_config_sets_migrations_and_expected_head() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let pkg = repo.path().join("k8s");
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "migrations=..", "expected-head=003"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "migrations=..", "expected-head=009"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("expected-head"), "{text}");
}

fn krm_direct(cwd: &Path, input: &str) -> std::process::Output {
    let mut child = Command::new(revguard())
        .arg("krm")
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn krm_echoes_items_verbatim_and_appends_results() {
    let repo = checkout();
    std::fs::write(
        repo.path().join("migrations/versions/004_orphan.py"),
        "revision = \"004\"\ndown_revision = \"0003\"\n",
    )
    .unwrap();
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- # keep this comment\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x # and this one\n    annotations:\n      internal.config.kubernetes.io/path: 'cm.yaml'\n      internal.config.kubernetes.io/index: '0'\n";
    let out = krm_direct(&repo.path().join("k8s"), input);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(input),
        "items must be echoed verbatim:\n{stdout}"
    );
    let list: Value = serde_yaml_ng::from_str(&stdout).unwrap();
    let results = list["results"].as_sequence().unwrap();
    let orphan = results
        .iter()
        .find(|r| r["tags"]["check"].as_str() == Some("missing-parent"))
        .unwrap();
    assert_eq!(orphan["severity"].as_str(), Some("error"));
    assert!(
        orphan["file"]["path"]
            .as_str()
            .unwrap()
            .ends_with("004_orphan.py"),
        "{orphan:?}"
    );

    // Not a ResourceList: a tool failure, exit 2, nothing on stdout.
    let out = krm_direct(repo.path(), "kind: ConfigMap\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ResourceList"));
}
