//! `revguard fix`: the keep rules, the other repairs, and write safety.

use crate::*;

/// The incident without its lock file.
fn incident_without_lock() -> tempfile::TempDir {
    let dir = incident_copy();
    std::fs::remove_file(dir.path().join("migrations/revguard.lock")).expect("rm lock");
    dir
}

#[test]
fn without_lock_keep_or_git_it_refuses_and_lists_the_choices() {
    let dir = incident_without_lock();
    let before = tree(dir.path());
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 1);
    assert_eq!(before, tree(dir.path()), "a refusal writes nothing");
    insta::assert_snapshot!("refusal", stderr(&out));
}

#[test]
fn keep_names_the_applied_copy() {
    let dir = incident_without_lock();
    let out = revguard(
        dir.path(),
        &[
            "fix",
            "--write",
            ".",
            "--keep",
            "migrations/versions/041_add_westside_streamlit_ro_role.py",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids = declared(&dir.path().join("migrations/versions"));
    assert_eq!(ids["041_add_westside_streamlit_ro_role.py"], "041");
    assert_eq!(ids["044_add_contract_audit_log.py"], "044");
}

#[test]
fn git_history_keeps_the_older_file() {
    if !have_git("git_history_keeps_the_older_file") {
        return;
    }
    let dir = incident_without_lock();
    let root = dir.path();
    let westside = "migrations/versions/041_add_westside_streamlit_ro_role.py";
    let saved = std::fs::read(root.join(westside)).expect("read");
    std::fs::remove_file(root.join(westside)).expect("rm");
    git_ok(root, &["init", "-q", "-b", "main"]);
    git_ok(root, &["add", "."]);
    let older = [
        ("GIT_AUTHOR_DATE", "2026-10-02T14:00:00Z"),
        ("GIT_COMMITTER_DATE", "2026-10-02T14:00:00Z"),
    ];
    assert!(
        git_env(root, &["commit", "-q", "-m", "audit log"], &older)
            .status
            .success()
    );
    std::fs::write(root.join(westside), saved).expect("write");
    git_ok(root, &["add", "."]);
    let newer = [
        ("GIT_AUTHOR_DATE", "2026-10-03T09:00:00Z"),
        ("GIT_COMMITTER_DATE", "2026-10-03T09:00:00Z"),
    ];
    assert!(
        git_env(root, &["commit", "-q", "-m", "westside"], &newer)
            .status
            .success()
    );
    let out = revguard(root, &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("committed to git first"),
        "{}",
        stderr(&out)
    );
    let ids = declared(&root.join("migrations/versions"));
    assert_eq!(ids["041_add_contract_audit_log.py"], "041");
    assert_eq!(ids["044_add_westside_streamlit_ro_role.py"], "044");
}

/// The incident plus a mistyped parent: two files to change.
fn two_changes() -> tempfile::TempDir {
    let dir = incident_copy();
    let path = dir
        .path()
        .join("migrations/versions/043_create_jersey_public_orders_view.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace(
            "down_revision = \"042\"",
            "down_revision = \"042_add_orders_status_column\"",
        ),
    )
    .expect("write");
    dir
}

#[test]
fn interrupted_writes_leave_the_old_files_intact() {
    if !crate::have_fault_hook("interrupted_writes_leave_the_old_files_intact") {
        return;
    }
    for fault in ["stage:1", "stage:2", "commit:1", "commit:2"] {
        let dir = two_changes();
        let before = tree(dir.path());
        let dry = revguard(dir.path(), &["fix", "."]);
        assert!(
            stdout(&dry).matches("diff --git").count() == 2,
            "{}",
            stdout(&dry)
        );
        let out = revguard_env(
            dir.path(),
            &["fix", "--write", "."],
            &[("REVGUARD_FAULT_INJECT", fault)],
        );
        assert_eq!(code(&out), 2, "{fault}: {}", stderr(&out));
        assert!(stderr(&out).contains("injected fault"), "{}", stderr(&out));
        assert_eq!(before, tree(dir.path()), "{fault}: the tree is unchanged");
    }
    // And without a fault both changes land.
    let dir = two_changes();
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let check = revguard(dir.path(), &["check", "."]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
}

#[test]
fn missing_parent_with_one_candidate_is_replaced() {
    let dir = project(&[
        (
            "001_create_users.py",
            migration("001", None, "create users"),
        ),
        (
            "002_add_orders.py",
            migration("002", Some("001_create_users"), "add orders"),
        ),
    ]);
    let out = revguard(dir.path(), &["fix", "."]);
    insta::assert_snapshot!("missing_parent_diff", stdout(&out));
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(code(&revguard(dir.path(), &["check", "."])), 0);
}

fn two_heads() -> tempfile::TempDir {
    project(&[
        (
            "001_create_users.py",
            migration("001", None, "create users"),
        ),
        (
            "002_add_orders.py",
            migration("002", Some("001"), "add orders"),
        ),
        (
            "003_add_refunds.py",
            migration("003", Some("001"), "add refunds"),
        ),
    ])
}

#[test]
fn multiple_heads_single_head_policy_writes_a_merge_revision() {
    let dir = two_heads();
    let out = revguard(dir.path(), &["fix", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let merge = dir.path().join("migrations/versions/004_merge_heads.py");
    let text = std::fs::read_to_string(&merge).expect("merge file");
    assert!(
        text.contains("down_revision: Union[str, Sequence[str], None] = ('002', '003')"),
        "{text}"
    );
    let redacted: String = text
        .lines()
        .map(|l| {
            if l.starts_with("Create Date:") {
                "Create Date: [now]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("merge_revision", redacted);
    assert_eq!(
        stdout(&revguard(dir.path(), &["heads", "."])),
        "004 (head)\n"
    );
    if let Some(python) =
        alembic_python("multiple_heads_single_head_policy_writes_a_merge_revision")
    {
        let loaded = oracle_load(&python, &dir.path().join("alembic.ini"));
        assert_eq!(loaded["heads"], serde_json::json!(["004"]), "{loaded}");
        assert_eq!(loaded["upgrade_head"], "ok", "{loaded}");
    }
}

#[test]
fn multiple_heads_linear_policy_repoints_the_newer_branch() {
    let dir = two_heads();
    let out = revguard(dir.path(), &["fix", "--policy", "linear", "--write", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("migrations/versions/003_add_refunds.py"))
        .expect("read");
    assert!(text.contains("down_revision = \"002\""), "{text}");
    assert!(text.contains("Revises: 002"), "{text}");
    let check = revguard(dir.path(), &["check", "--policy", "linear", "."]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
    if let Some(python) = alembic_python("multiple_heads_linear_policy_repoints_the_newer_branch") {
        assert_eq!(alembic_heads(&python, dir.path()), ["003"]);
    }
}

#[test]
fn random_ids_for_hex_projects() {
    let dir = project(&[
        (
            "3f9c0a7d2e15_create_users.py",
            migration("3f9c0a7d2e15", None, "create users"),
        ),
        (
            "8b41e6c09d73_add_orders.py",
            migration("8b41e6c09d73", Some("3f9c0a7d2e15"), "add orders"),
        ),
        (
            "8b41e6c09d73_add_refunds.py",
            migration("8b41e6c09d73", Some("3f9c0a7d2e15"), "add refunds"),
        ),
    ]);
    let out = revguard(
        dir.path(),
        &[
            "fix",
            "--write",
            ".",
            "--keep",
            "8b41e6c09d73_add_orders.py",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids = declared(&dir.path().join("migrations/versions"));
    let moved: Vec<(&String, &String)> = ids
        .iter()
        .filter(|(f, _)| f.ends_with("_add_refunds.py"))
        .collect();
    let [(file, id)] = moved[..] else {
        panic!("{ids:?}")
    };
    assert_eq!(id.len(), 12);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(*file, format!("{id}_add_refunds.py"));
    let heads = revguard(dir.path(), &["heads", "."]);
    assert_eq!(stdout(&heads), format!("{id} (head)\n"));
}
