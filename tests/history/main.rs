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
#[path = "../support/process.rs"]
mod process;
mod shapes;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use process::{code, copy_dir, repo, stderr, stdout};

/// `revguard <args>` run in `dir`.
pub fn revguard(dir: &Path, args: &[&str]) -> Output {
    revguard_env(dir, args, &[])
}

/// `revguard <args>` run in `dir` with extra environment variables.
pub fn revguard_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_revguard"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("REVGUARD_FAULT_INJECT")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run revguard")
}

/// Every file under `dir` with its bytes (relative `/` paths).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// A copy of `examples/incident-443` in a fresh temporary directory.
pub fn incident_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("examples/incident-443"), dir.path());
    dir
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

/// True when an outside tool is usable; otherwise a loud skip (or a panic
/// under CI).
pub fn require(tool: &str, test: &str, ok: bool, why: &str) -> bool {
    if ok {
        return true;
    }
    let msg = format!("history test `{test}` needs {tool}: {why}");
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    let bar = "!".repeat(78);
    eprintln!("{bar}\n!! SKIPPED: {msg}\n{bar}");
    false
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

/// Is `git` available?
pub fn have_git(test: &str) -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    require("git", test, ok, "`git --version` failed")
}

/// Run git in `dir` with a fixed identity and no user configuration.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    git_env(dir, args, &[])
}

pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run git")
}

/// Run git and insist it succeeds.
pub fn git_ok(dir: &Path, args: &[&str]) {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// The venv Python with alembic 1.20.1, or a loud skip.
pub fn alembic_python(test: &str) -> Option<PathBuf> {
    let python = std::env::var_os("REVGUARD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/python"));
    let ok = Command::new(&python)
        .args([
            "-c",
            "import alembic, sys; sys.exit(alembic.__version__ != '1.20.1')",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    require(
        "Python with alembic==1.20.1",
        test,
        ok,
        &format!(
            "{} (run tests/oracle/setup-venv.sh or set REVGUARD_PYTHON)",
            python.display()
        ),
    )
    .then_some(python)
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
