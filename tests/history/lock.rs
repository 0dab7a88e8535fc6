//! The lock file: writing, verifying, git conflicts, CRLF, and the history
//! checks against it (and against `--base`).

use crate::*;

/// 001 <- 002 <- 003, locked.
fn locked_chain() -> tempfile::TempDir {
    let dir = project(&[
        (
            "001_create_users.py",
            migration("001", None, "create users"),
        ),
        (
            "002_add_orders.py",
            migration("002", Some("001"), "add orders"),
        ),
        (
            "003_index_orders.py",
            migration("003", Some("002"), "index orders"),
        ),
    ]);
    let out = revguard(dir.path(), &["lock", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

fn versions(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("migrations/versions")
}

fn check(dir: &tempfile::TempDir, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["check", "."];
    args.extend_from_slice(extra);
    let out = revguard(dir.path(), &args);
    (code(&out), stdout(&out))
}

#[test]
fn lock_is_written_atomically_and_verified_clean() {
    let dir = locked_chain();
    let lock = std::fs::read_to_string(dir.path().join("migrations/revguard.lock")).expect("lock");
    insta::assert_snapshot!("lock_file", lock);
    assert_eq!(check(&dir, &[]).0, 0);
    let again = revguard(dir.path(), &["lock", "--check", "."]);
    assert_eq!(code(&again), 0, "{}", stdout(&again));
    assert!(tree(dir.path()).keys().all(|k| !k.contains(".revguard-")));
}

#[test]
fn new_migration_on_top_is_fine_and_lock_check_asks_for_a_relock() {
    let dir = locked_chain();
    std::fs::write(
        versions(&dir).join("004_add_invoices.py"),
        migration("004", Some("003"), "add invoices"),
    )
    .expect("write");
    assert_eq!(check(&dir, &[]).0, 0);
    let out = revguard(dir.path(), &["lock", "--check", "."]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("out of date"), "{}", stdout(&out));
}

#[test]
fn edited_applied_migration_is_caught() {
    let dir = locked_chain();
    let path = versions(&dir).join("002_add_orders.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("SELECT 'add orders'", "SELECT 'add orders, v2'"),
    )
    .expect("write");
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("error[applied-migration-edited]"), "{text}");
    insta::assert_snapshot!("edited", text);
}

#[test]
fn insert_below_is_caught() {
    let dir = locked_chain();
    std::fs::write(
        versions(&dir).join("001a_backfill_users.py"),
        migration("001a", Some("001"), "backfill users"),
    )
    .expect("write");
    let path = versions(&dir).join("002_add_orders.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("down_revision = \"001\"", "down_revision = \"001a\""),
    )
    .expect("write");
    let (code, text) = check(&dir, &["--deployed", "003"]);
    assert_eq!(code, 1);
    assert!(text.contains("error[inserted-below-deployed]"), "{text}");
    assert!(text.contains("error[history-rewritten]"), "{text}");
    insta::assert_snapshot!("inserted_below", text);
}

#[test]
fn rewritten_history_is_caught() {
    let dir = locked_chain();
    std::fs::remove_file(versions(&dir).join("003_index_orders.py")).expect("rm");
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("error[history-rewritten]"), "{text}");
    insta::assert_snapshot!("rewritten", text);
}

#[test]
fn fork_from_below_the_locked_head_is_caught() {
    let dir = locked_chain();
    std::fs::write(
        versions(&dir).join("004_add_invoices.py"),
        migration("004", Some("002"), "add invoices"),
    )
    .expect("write");
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("error[forks-locked-history]"), "{text}");
    insta::assert_snapshot!("forked", text);
}

#[test]
fn deployed_revision_missing_and_upgrade_plan() {
    let dir = locked_chain();
    let (code, text) = check(&dir, &["--deployed", "0099"]);
    assert_eq!(code, 1);
    assert!(text.contains("error[deployed-revision-missing]"), "{text}");
    let (code, text) = check(&dir, &["--deployed", "001"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("upgrade_plan", text);
}

#[test]
fn crlf_files_hash_the_same() {
    let dir = locked_chain();
    let lock = std::fs::read(dir.path().join("migrations/revguard.lock")).expect("lock");
    for entry in std::fs::read_dir(versions(&dir)).expect("ls") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace('\n', "\r\n")).expect("write");
    }
    assert_eq!(check(&dir, &[]).0, 0, "CRLF copies match the LF lock");
    let out = revguard(dir.path(), &["lock", "."]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        std::fs::read(dir.path().join("migrations/revguard.lock")).expect("lock"),
        lock,
        "re-locking a CRLF checkout writes the same lock"
    );
}

#[test]
fn crlf_git_checkout_verifies_clean() {
    if !have_git("crlf_git_checkout_verifies_clean") {
        return;
    }
    let dir = locked_chain();
    git_ok(dir.path(), &["init", "-q", "-b", "main"]);
    git_ok(dir.path(), &["add", "."]);
    git_ok(dir.path(), &["commit", "-q", "-m", "locked"]);
    let clone = tempfile::tempdir().expect("tempdir");
    let target = clone.path().join("repo");
    let out = git(
        clone.path(),
        &[
            "-c",
            "core.autocrlf=true",
            "clone",
            "-q",
            dir.path().to_str().expect("utf-8"),
            "repo",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sample =
        std::fs::read(target.join("migrations/versions/001_create_users.py")).expect("read");
    assert!(sample.windows(2).any(|w| w == b"\r\n"), "checkout has CRLF");
    let out = revguard(&target, &["check", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let out = revguard(&target, &["lock", "--check", "."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn two_branches_adding_a_migration_conflict_on_the_lock() {
    if !have_git("two_branches_adding_a_migration_conflict_on_the_lock") {
        return;
    }
    let dir = locked_chain();
    let root = dir.path();
    git_ok(root, &["init", "-q", "-b", "main"]);
    git_ok(root, &["add", "."]);
    git_ok(root, &["commit", "-q", "-m", "001-003, locked"]);
    for (branch, slug) in [("invoices", "add_invoices"), ("refunds", "add_refunds")] {
        git_ok(root, &["checkout", "-q", "-b", branch, "main"]);
        std::fs::write(
            versions(&dir).join(format!("004_{slug}.py")),
            migration("004", Some("003"), &slug.replace('_', " ")),
        )
        .expect("write");
        let out = revguard(root, &["lock", "."]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        git_ok(root, &["add", "."]);
        git_ok(root, &["commit", "-q", "-m", slug]);
    }
    git_ok(root, &["checkout", "-q", "main"]);
    git_ok(root, &["merge", "-q", "invoices"]);
    let merge = git(root, &["merge", "-q", "refunds"]);
    assert!(!merge.status.success(), "the second merge must conflict");
    let conflicted = git(root, &["diff", "--name-only", "--diff-filter=U"]);
    assert_eq!(stdout(&conflicted), "migrations/revguard.lock\n");
    let (code, text) = check(&dir, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("error[invalid-lock-file]"), "{text}");
    assert!(text.contains("conflict markers"), "{text}");
}

#[test]
fn base_ref_catches_a_rewrite_without_a_lock() {
    if !have_git("base_ref_catches_a_rewrite_without_a_lock") {
        return;
    }
    let dir = project(&[
        (
            "001_create_users.py",
            migration("001", None, "create users"),
        ),
        (
            "002_add_orders.py",
            migration("002", Some("001"), "add orders"),
        ),
        (
            "003_index_orders.py",
            migration("003", Some("002"), "index orders"),
        ),
    ]);
    let root = dir.path();
    git_ok(root, &["init", "-q", "-b", "main"]);
    git_ok(root, &["add", "."]);
    git_ok(root, &["commit", "-q", "-m", "001-003"]);
    git_ok(root, &["checkout", "-q", "-b", "feature"]);
    // Clean against the base.
    assert_eq!(check(&dir, &["--base", "main"]).0, 0);
    // Rewrite: 003 now hangs off 001, and 002 is deleted.
    std::fs::remove_file(versions(&dir).join("002_add_orders.py")).expect("rm");
    let path = versions(&dir).join("003_index_orders.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("down_revision = \"002\"", "down_revision = \"001\""),
    )
    .expect("write");
    let (code, text) = check(&dir, &["--base", "main"]);
    assert_eq!(code, 1);
    assert!(text.contains("error[history-rewritten]"), "{text}");
    insta::assert_snapshot!("base_rewrite", text);
    let out = revguard(root, &["check", ".", "--base", "no-such-ref"]);
    assert_eq!(code_of(&out), 2, "{}", stderr(&out));
}

fn code_of(out: &std::process::Output) -> i32 {
    code(out)
}
