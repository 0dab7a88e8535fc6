//! `.pre-commit-hooks.yaml` with real pre-commit: a temporary git repository
//! uses this checkout's hooks exactly as the README says (`repo:` + `rev:`),
//! pre-commit installs them the way it would from GitHub (`pip install .`,
//! which builds the wheel with maturin), a clean commit passes, and a commit
//! that adds a duplicate revision is refused with the diagnostic.

use std::path::Path;
use std::process::{Command, Output};

use crate::{BuildConfig, BuildTurn, clean, copy_dir, require_tool, root, run_ok, support};

fn git(dir: &Path, args: &[&str]) -> Output {
    run_ok(&mut git_command(dir, args))
}

fn git_command(dir: &Path, args: &[&str]) -> Command {
    support::git::command(dir, args)
}

/// pip builds the hook's wheel with maturin, from pre-commit's clone of
/// the sources. Point that build at the binary under test's target dir and
/// profile: it then recompiles only this checkout's crates and reuses every
/// dependency `cargo test` compiled (see `BINARY` in main.rs). Give it the
/// guest the test build embedded (`REVGUARD_GUEST_WASM`, built from the
/// same sources) rather than building the guest again inside the clone.
fn reuse_the_test_build(install: &mut Command) {
    let build = BuildConfig::of_binary_under_test();
    install.env("CARGO_TARGET_DIR", &build.target_dir).env(
        "MATURIN_PEP517_ARGS",
        format!("--profile {}", build.profile),
    );
    let guest =
        root().join("target/guest-wasm/wasm32-unknown-unknown/wasm-guest/revguard_guest.wasm");
    if guest.is_file() {
        install.env("REVGUARD_GUEST_WASM", guest);
    }
}

/// A git repository holding this checkout's sources as they are now (tracked
/// and untracked files, minus ignored ones), so uncommitted hook changes are
/// what gets tested.
fn snapshot_sources(to: &Path) -> String {
    let listing = git(
        &root(),
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    for name in listing.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).expect("UTF-8 path");
        let from = root().join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let target = to.join(name);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&from, &target).expect("copy");
    }
    git(to, &["init", "-q", "-b", "main"]);
    git(to, &["add", "-A"]);
    git(to, &["commit", "-q", "-m", "snapshot"]);
    String::from_utf8(git(to, &["rev-parse", "HEAD"]).stdout)
        .expect("sha")
        .trim()
        .to_owned()
}

#[test]
fn commit_with_duplicate_revision_is_refused() {
    let Some(pre_commit) = require_tool(
        "pre-commit",
        "running .pre-commit-hooks.yaml with real pre-commit",
    ) else {
        return;
    };
    let Some(_) = require_tool("git", "the pre-commit test's temporary repository") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let hooks_repo = work.path().join("revguard");
    let sha = snapshot_sources(&hooks_repo);

    let project = work.path().join("project");
    copy_dir(&clean(), &project);
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {sha}\n    hooks:\n      - id: revguard\n",
            hooks_repo.display()
        ),
    )
    .expect("write config");
    git(&project, &["init", "-q", "-b", "main"]);

    let hook_env = |command: &mut Command| {
        command
            .env("PRE_COMMIT_HOME", work.path().join("pre-commit-home"))
            .env("PRE_COMMIT_COLOR", "never")
            .env_remove("GITHUB_ACTIONS");
        // The hook runs revguard: the suite's guest cache, not ~/.cache.
        support::cache::isolate(command);
    };
    let mut install = Command::new(&pre_commit);
    install
        .args(["install", "--install-hooks"])
        .current_dir(&project);
    hook_env(&mut install);
    reuse_the_test_build(&mut install);
    {
        let _turn = BuildTurn::take();
        run_ok(&mut install);
    }

    // A clean history commits.
    git(&project, &["add", "-A"]);
    let mut commit = git_command(&project, &["commit", "-m", "clean history"]);
    hook_env(&mut commit);
    let clean_commit = run_ok(&mut commit);
    // git runs hooks with their stdout sent to its stderr.
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&clean_commit.stdout),
        String::from_utf8_lossy(&clean_commit.stderr)
    );
    assert!(
        log.contains("revguard") && log.contains("Passed"),
        "the hook ran and passed:\n{log}"
    );

    // A second file declaring the head's revision id is refused.
    let versions = project.join("migrations/versions");
    let original = std::fs::read_to_string(versions.join("c2d58f1a6b04_index_orders_user_id.py"))
        .expect("read");
    std::fs::write(
        versions.join("c2d58f1a6b04_add_orders_status.py"),
        original.replace("index orders user id", "add orders status"),
    )
    .expect("write duplicate");
    git(&project, &["add", "-A"]);
    let mut commit = git_command(&project, &["commit", "-m", "add orders status"]);
    hook_env(&mut commit);
    let refused = commit.output().expect("git commit runs");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        !refused.status.success(),
        "the commit must be refused:\n{out}"
    );
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("duplicate-revision") || out.contains("RG101"),
        "the diagnostic is shown:\n{out}"
    );
    assert!(
        out.contains("c2d58f1a6b04_add_orders_status.py"),
        "the new file is named:\n{out}"
    );
    let head = git(&project, &["log", "--format=%s", "-1"]);
    assert_eq!(
        String::from_utf8_lossy(&head.stdout).trim(),
        "clean history",
        "nothing was committed"
    );
}
