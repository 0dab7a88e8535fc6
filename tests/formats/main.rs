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
mod wheel;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use revguard_test_support as support;

pub use support::code;
pub use support::fs::copy_dir;
pub use support::repo as root;

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

/// The incident example (a duplicated revision id).
pub fn incident() -> PathBuf {
    root().join("examples/incident-443")
}

/// A clean project (one straight chain).
pub fn clean() -> PathBuf {
    root().join("tests/formats/clean")
}

/// `revguard` in `dir`, not yet run: the suite's isolated guest cache and
/// an environment free of CI variables that would change the output format
/// (`NO_COLOR` unset too: the output is a pipe, so colour is off anyway).
pub fn command(dir: &Path) -> Command {
    let mut command = support::revguard(dir);
    command.env_remove("NO_COLOR");
    command
}

/// Run revguard in `dir` with `args` (see [`command`]).
pub fn revguard(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("revguard runs")
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
    support::stderr(output)
}

/// An outside tool the test needs (see `support::tools` for the rule when
/// it is missing); `tests/formats/setup.sh` installs them all.
pub fn require_tool(name: &str, purpose: &str) -> Option<PathBuf> {
    support::tools::require_tool(
        name,
        purpose,
        "install it with: bash tests/formats/setup.sh",
    )
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
