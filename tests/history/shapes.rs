//! `revguard fix --write` on the shapes of real broken histories
//! (`tests/history/fixtures/`), judged by real Alembic.
//!
//! Every fixture ends in one of two outcomes, and each test pins which:
//! * **healthy**: real Alembic loads the fixed tree without an error, with a
//!   single head, and `upgrade head` succeeds;
//! * **refused**: `fix` exits non-zero, says why, and no byte of the tree
//!   changed.

use std::path::Path;
use std::process::Output;

use crate::*;

/// A copy of `tests/history/fixtures/<name>` in a fresh temporary directory.
fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &repo().join("tests/history/fixtures").join(name),
        dir.path(),
    );
    dir
}

/// Real Alembic's view of the project (None: no oracle venv, loud skip).
fn alembic(test: &str, dir: &Path) -> Option<serde_json::Value> {
    let python = alembic_python(test)?;
    Some(oracle_load(&python, &dir.join("alembic.ini")))
}

/// `fix --write` refused: non-zero exit, a reason, and no byte changed.
fn assert_refused(dir: &Path, before: &BTreeMap<String, Vec<u8>>, out: &Output) {
    assert_ne!(code(out), 0, "{}", stderr(out));
    assert!(
        stderr(out).contains("nothing was written"),
        "{}",
        stderr(out)
    );
    assert_eq!(stdout(out), "", "a refusal prints no diff");
    assert_eq!(before, &tree(dir), "a refusal changes no byte");
}

/// Real Alembic after the fix: no error, one head, `upgrade head` works.
fn assert_healthy(test: &str, dir: &Path, out: &Output) -> Option<String> {
    assert_eq!(code(out), 0, "{}", stderr(out));
    assert!(
        stderr(out).contains("verified before writing"),
        "{}",
        stderr(out)
    );
    let check = revguard(dir, &["check", "."]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
    let loaded = alembic(test, dir)?;
    assert_eq!(loaded["error"], serde_json::Value::Null, "{loaded}");
    assert_eq!(loaded["warnings"], serde_json::json!([]), "{loaded}");
    assert_eq!(loaded["upgrade_head"], "ok", "{loaded}");
    let heads = loaded["heads"].as_array().expect("heads");
    assert_eq!(heads.len(), 1, "{loaded}");
    heads[0].as_str().map(str::to_owned)
}

/// The `revision` each file declares (either quote, annotated or not).
fn revision_ids(versions: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, bytes) in tree(versions) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let id = text
            .lines()
            .find(|l| l.starts_with("revision:") || l.starts_with("revision ="))
            .and_then(|l| l.split(['\'', '"']).nth(1))
            .unwrap_or("")
            .to_owned();
        out.insert(name, id);
    }
    out
}

/// Notes with the temporary directory and the clock taken out.
fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[dir]")
}

#[test]
fn fragment_off_a_missing_parent_is_refused_with_the_parent_named() {
    let dir = fixture("missing-parent-fragment");
    if let Some(loaded) = alembic("fragment_off_a_missing_parent", dir.path()) {
        assert_eq!(loaded["error"]["kind"], "KeyError", "{loaded}");
    }
    let before = tree(dir.path());
    let dry = revguard(dir.path(), &["fix", "."]);
    assert_refused(dir.path(), &before, &dry);
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_refused(dir.path(), &before, &out);
    assert_eq!(
        stderr(&dry),
        stderr(&out),
        "the dry run gives the same verdict"
    );
    let notes = stderr(&out);
    assert!(notes.contains("`5e0a91b37c44`"), "{notes}");
    assert!(!notes.contains("merge revision"), "{notes}");
    insta::assert_snapshot!("shape_missing_parent", redact(&notes, dir.path()));
}

#[test]
fn fragment_off_a_missing_parent_with_parent_picked_is_healthy() {
    let dir = fixture("missing-parent-fragment");
    let out = revguard(
        dir.path(),
        &["fix", "--write", ".", "--parent", "c2d8e4f1a7b0"],
    );
    let head = assert_healthy("fragment_with_parent_picked", dir.path(), &out);
    if let Some(head) = head {
        assert_eq!(head, "e6b2f0d84c19");
    }
    let text = std::fs::read_to_string(
        dir.path()
            .join("migrations/versions/9a7d3c5e1f20_add_payment_reference.py"),
    )
    .expect("read");
    assert!(text.contains("= 'c2d8e4f1a7b0'"), "{text}");
    assert!(text.contains("Revises: c2d8e4f1a7b0\n"), "{text}");
}

#[test]
fn labelled_expand_contract_heads_are_not_merged() {
    let dir = fixture("expand-contract-dynamic-labels");
    if let Some(loaded) = alembic("expand_contract_before", dir.path()) {
        // Two heads by design: `upgrade heads` works, `upgrade head` cannot.
        assert_eq!(loaded["error"], serde_json::Value::Null, "{loaded}");
        assert_eq!(
            loaded["heads"].as_array().map(Vec::len),
            Some(2),
            "{loaded}"
        );
        assert_eq!(loaded["upgrade_heads"], "ok", "{loaded}");
    }
    let before = tree(dir.path());
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_refused(dir.path(), &before, &out);
    let notes = stderr(&out);
    assert!(notes.contains("--policy branches"), "{notes}");
    insta::assert_snapshot!("shape_expand_contract", redact(&notes, dir.path()));
    // Under the policy it suggests, there is nothing to fix.
    let out = revguard(dir.path(), &["fix", "--write", "--policy", "branches", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to fix"), "{}", stderr(&out));
    assert_eq!(before, tree(dir.path()));
}

#[test]
fn two_ordinary_heads_are_merged_and_alembic_agrees() {
    let dir = fixture("two-heads");
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    let head = assert_healthy("two_ordinary_heads", dir.path(), &out);
    let added: Vec<String> = tree(dir.path())
        .keys()
        .filter(|k| k.ends_with("_merge_heads.py"))
        .cloned()
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    if let Some(head) = head {
        assert!(added[0].contains(&head), "{added:?} vs {head}");
    }
}

#[test]
fn duplicate_with_a_lock_keeps_the_applied_copy() {
    let dir = fixture("duplicate-with-lock");
    let root = dir.path();
    let lock = revguard(root, &["lock", "."]);
    assert_eq!(code(&lock), 0, "{}", stderr(&lock));
    // The second `0003` arrives after the lock was written.
    std::fs::rename(
        root.join("late_0003_add_tenant_region.py"),
        root.join("migrations/versions/0003_add_tenant_region.py"),
    )
    .expect("move");
    let quota =
        std::fs::read(root.join("migrations/versions/0003_add_tenant_quota.py")).expect("read");
    let out = revguard(root, &["fix", "--write", "."]);
    let head = assert_healthy("duplicate_with_a_lock", root, &out);
    if let Some(head) = head {
        assert_eq!(head, "0004");
    }
    let ids = revision_ids(&root.join("migrations/versions"));
    assert_eq!(ids["0003_add_tenant_quota.py"], "0003", "{ids:?}");
    assert_eq!(ids["0004_add_tenant_region.py"], "0004", "{ids:?}");
    assert_eq!(
        std::fs::read(root.join("migrations/versions/0003_add_tenant_quota.py")).expect("read"),
        quota,
        "the applied copy is untouched"
    );
}

#[test]
fn redated_stale_copy_is_deleted() {
    let dir = fixture("stale-redated-copy");
    let versions = dir.path().join("migrations/versions");
    let stale = "2025_01_05_c0ffee123456_add_refunds.py";
    let live = "2025_01_12_c0ffee123456_add_refunds.py";
    let check = revguard(dir.path(), &["check", "."]);
    let report = stdout(&check);
    assert!(
        report.contains("stale copy of a rebased migration"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "delete the stale copy `migrations/versions/{stale}`"
        )),
        "{report}"
    );
    let live_before = std::fs::read(versions.join(live)).expect("read");
    let dry = revguard(dir.path(), &["fix", "."]);
    assert!(
        stdout(&dry).contains("deleted file mode 100644\n--- a/"),
        "{}",
        stdout(&dry)
    );
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    let head = assert_healthy("redated_stale_copy", dir.path(), &out);
    if let Some(head) = head {
        assert_eq!(head, "c0ffee123456");
    }
    assert!(!versions.join(stale).exists());
    assert_eq!(
        std::fs::read(versions.join(live)).expect("read"),
        live_before
    );
    insta::assert_snapshot!("shape_stale_copy", redact(&stderr(&out), dir.path()));
}

#[test]
fn stale_copy_that_closes_a_cycle_is_the_one_deleted() {
    let dir = fixture("stale-copy-cycle");
    if let Some(loaded) = alembic("stale_copy_cycle_before", dir.path()) {
        assert_eq!(loaded["error"]["kind"], "CycleDetected", "{loaded}");
    }
    let check = revguard(dir.path(), &["check", "."]);
    let report = stdout(&check);
    assert!(
        report.contains("a consequence of the duplicate `c0ffee123456`"),
        "{report}"
    );
    let versions = dir.path().join("migrations/versions");
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    let head = assert_healthy("stale_copy_cycle", dir.path(), &out);
    if let Some(head) = head {
        assert_eq!(head, "7a8b9c0d1e2f");
    }
    assert!(
        !versions
            .join("2025_01_12_c0ffee123456_add_refunds.py")
            .exists()
    );
    assert!(
        versions
            .join("2025_01_05_c0ffee123456_add_refunds.py")
            .exists()
    );
}

#[test]
fn interrupted_deletion_restores_the_stale_copy() {
    if !crate::have_fault_hook("interrupted_deletion_restores_the_stale_copy") {
        return;
    }
    let dir = fixture("stale-redated-copy");
    let before = tree(dir.path());
    let out = revguard_env(
        dir.path(),
        &["fix", "--write", "."],
        &[("REVGUARD_FAULT_INJECT", "commit:1")],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(before, tree(dir.path()));
}
