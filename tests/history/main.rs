//! History and repair, end to end: the lock file, `--deployed`, `--base` and
//! `revguard fix`, run through the real binary on temporary copies; `shapes`
//! runs `fix --write` on the shapes of real broken histories
//! (`fixtures/`) and judges the result with real Alembic.
//!
//! Outside tools: `git` (lock conflicts, `--base`, git-history keep rule) and
//! Python with alembic 1.20.1 (`tests/oracle/setup-venv.sh`) to re-check
//! fixed trees with real Alembic. Without them a test prints a loud notice
//! and skips, unless `CI` is set, where it fails.

mod fix;
mod incident;
mod lock;
mod shapes;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use revguard_test_support as support;

pub use support::fs::{copy_dir, tree};
pub use support::tools::{alembic_python, have_git, require};
pub use support::{code, repo, stderr, stdout};

/// `revguard <args>` run in `dir`.
pub fn revguard(dir: &Path, args: &[&str]) -> Output {
    support::cli::run(dir, args, &[])
}

/// `revguard <args>` run in `dir` with extra environment variables.
pub fn revguard_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    support::cli::run(dir, args, env)
}

/// A copy of `examples/incident-443` in a fresh temporary directory.
pub fn incident_copy() -> tempfile::TempDir {
    support::fs::temp_copy("examples/incident-443")
}

/// An Alembic project in a temporary directory: `alembic.ini` plus
/// `migrations/versions/<name>` files.
pub fn project(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/migrations\n",
    )
    .expect("ini");
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).expect("mkdir");
    for (name, text) in files {
        std::fs::write(versions.join(name), text).expect("write");
    }
    dir
}

/// A migration file in Alembic's generic template (numeric ids).
pub fn migration(id: &str, down: Option<&str>, message: &str) -> String {
    let revises = down.unwrap_or("");
    let down = down.map_or("None".to_owned(), |d| format!("\"{d}\""));
    format!(
        "\"\"\"{message}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: 2026-10-0{} 10:00:00.000000\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\nrevision = \"{id}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.execute(\"SELECT '{message}'\")\n\n\ndef downgrade():\n    pass\n",
        id.bytes().last().map_or(1, |b| b % 9 + 1)
    )
}

/// Does the binary under test have the fault-injection hook
/// (`REVGUARD_FAULT_INJECT`)? Only debug builds do (the hook never ships),
/// so `cargo test --release` skips the interrupted-write tests, loudly.
pub fn have_fault_hook(test: &str) -> bool {
    require(
        "a debug build of revguard",
        test,
        // The binary is built with this suite's profile.
        cfg!(debug_assertions),
        "REVGUARD_FAULT_INJECT exists only with debug assertions (plain `cargo test`)",
    )
}

/// Run git in `dir` (fixed identity, no user configuration).
pub fn git(dir: &Path, args: &[&str]) -> Output {
    support::git::run(dir, args)
}

/// [`git`] with extra environment variables (commit dates).
pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    support::git::command(dir, args)
        .envs(env.iter().copied())
        .output()
        .expect("run git")
}

/// Run git and insist it succeeds.
pub fn git_ok(dir: &Path, args: &[&str]) {
    support::git::ok(dir, args);
}

/// `alembic heads` for real, in the project directory: the ids it prints.
pub fn alembic_heads(python: &Path, dir: &Path) -> Vec<String> {
    let out = Command::new(python)
        .args(["-m", "alembic", "-c", "alembic.ini", "heads"])
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run alembic");
    assert!(
        out.status.success(),
        "alembic heads failed: {}",
        stderr(&out)
    );
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// One load by the differential suite's oracle (tests/oracle/oracle.py):
/// Alembic's heads, warnings, load error and `upgrade head` outcome.
pub fn oracle_load(python: &Path, ini: &Path) -> serde_json::Value {
    let mut child = Command::new(python)
        .args(["-X", "utf8"])
        .arg(repo().join("tests/oracle/oracle.py"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let request = serde_json::json!({"id": 1, "ini": ini.to_str().expect("utf-8")});
    writeln!(stdin, "{request}").expect("write");
    drop(stdin);
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let _ = child.wait();
    serde_json::from_str(&line).expect("oracle json")
}

/// The revision ids declared by files in a versions directory, per file.
pub fn declared(versions: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(versions).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "py") {
            let text = std::fs::read_to_string(&path).expect("read");
            if let Some(line) = text.lines().find(|l| l.starts_with("revision")) {
                let id = line.split('"').nth(1).unwrap_or("").to_owned();
                out.insert(
                    path.file_name()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned(),
                    id,
                );
            }
        }
    }
    out
}
