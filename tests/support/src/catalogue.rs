//! The check catalogue's fixture projects (`core/tests/checks/<check>/<variant>/`),
//! for the suites that run every one of them: the catalogue suite itself
//! and the engine-equivalence suites.

use std::path::{Path, PathBuf};

/// Files and folders of a fixture that configure the catalogue harness,
/// not the project (see `tests/checks/main.rs`).
pub const CONTROL: [&str; 5] = ["about", "args", "expect", "alembic_version", "base"];

/// Where the catalogue lives.
pub fn dir() -> PathBuf {
    crate::repo().join("core/tests/checks")
}

/// Every fixture folder of every check (`snapshots/` excluded), sorted.
///
/// Panics when the catalogue cannot be read: a suite that walks it must
/// never pass by finding nothing.
pub fn fixtures() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for check in sorted_dirs(&dir()) {
        for variant in sorted_dirs(&check) {
            if variant.file_name().is_some_and(|n| n != "snapshots") {
                found.push(variant);
            }
        }
    }
    assert!(
        !found.is_empty(),
        "{}: no fixture folders found",
        dir().display()
    );
    found
}

/// The fewest fixtures the catalogue can hold: a trigger and a near miss
/// for each of `checks` registered checks.
pub fn minimum(checks: usize) -> usize {
    2 * checks
}

/// What `revguard check` is given for a fixture: the project itself when
/// it has an `alembic.ini` or a `pyproject.toml`, else its bare `versions/`.
pub fn target(project: &Path) -> &'static str {
    let configured = ["alembic.ini", "pyproject.toml"]
        .iter()
        .any(|name| project.join(name).is_file());
    if configured { "." } else { "versions" }
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut dirs: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
