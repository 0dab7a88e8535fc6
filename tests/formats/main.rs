//! The `formats` suite: every output format, the configuration file, the
//! graph export and the integrations (pre-commit, the maturin wheel, Graphviz)
//! driven for real.
//!
//! Suites that need an outside tool (`dot`, `pre-commit`, `maturin`,
//! `python3`) print a loud notice and skip when it is missing, except under
//! `CI` (any value), where a missing tool fails the test. Install them with
//! `tests/formats/setup.sh`.
//!
//! Snapshots (insta) live in `tests/formats/snapshots/`; review changes with
//! `cargo insta review`.

mod checks_doc;
mod config;
mod graph;
mod precommit;
mod sarif;
mod snapshots;
mod web_types;
mod wheel;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The revguard binary under test.
/// The wheel and pre-commit tests both run maturin in `target/wheel`;
/// maturin stages the binary by renaming it, so two builds there at once
/// race (one renames the other's binary away). They take turns; the second
/// build is incremental.
pub static WHEEL_BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Hold [`WHEEL_BUILD`] (a panic in the other test does not poison the turn).
pub fn wheel_build_turn() -> std::sync::MutexGuard<'static, ()> {
    WHEEL_BUILD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_revguard")
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The incident example (a duplicated revision id).
pub fn incident() -> PathBuf {
    root().join("examples/incident-443")
}

/// A clean project (one straight chain).
pub fn clean() -> PathBuf {
    root().join("tests/formats/clean")
}

/// A duplicated id whose shadowed copy carries the branch label a third
/// revision depends on.
pub fn shadowed_label() -> PathBuf {
    root().join("tests/formats/shadowed-label")
}

/// Run revguard in `dir` with `args`, with an environment free of CI
/// variables that would change the output format.
pub fn revguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("revguard runs")
}

/// stdout as UTF-8, with the build's version replaced by `[VERSION]` so
/// snapshots survive a release.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

/// stderr as (lossy) text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The process exit code.
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// Find an outside tool: in `$REVGUARD_TOOLS_VENV/bin`, in the venv that
/// `tests/formats/setup.sh` makes (`target/formats-tools`), then on `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("REVGUARD_TOOLS_VENV") {
        dirs.push(PathBuf::from(venv).join("bin"));
    }
    dirs.push(root().join("target/formats-tools/bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// An outside tool the test needs. Missing: under `CI` the test fails;
/// elsewhere a loud notice is printed and `None` returned (the caller skips).
pub fn require_tool(name: &str, purpose: &str) -> Option<PathBuf> {
    if let Some(path) = find_tool(name) {
        return Some(path);
    }
    let hint = "install it with: bash tests/formats/setup.sh";
    if std::env::var_os("CI").is_some() {
        panic!("`{name}` is required under CI for {purpose}, but was not found; {hint}");
    }
    let bar = "!".repeat(78);
    eprintln!(
        "\n{bar}\n!!! SKIPPED: {purpose}\n!!! `{name}` was not found; {hint}\n!!! (under CI this is a failure)\n{bar}\n"
    );
    None
}

/// Run a command, failing the test with its output when it does not succeed.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Copy a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
