//! git with a fixed identity and no user or system configuration, so a
//! developer's `~/.gitconfig` (hooks, signing, templates) never leaks into
//! a test repository.

use std::path::Path;
use std::process::{Command, Output};

/// `git <args>` in `dir`, not yet run.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "revguard tests")
        .env("GIT_AUTHOR_EMAIL", "tests@revguard.invalid")
        .env("GIT_COMMITTER_NAME", "revguard tests")
        .env("GIT_COMMITTER_EMAIL", "tests@revguard.invalid");
    command
}

/// Run `git <args>` in `dir`, whatever its exit code.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run git")
}

/// Run `git <args>` in `dir` and insist it succeeds.
pub fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
