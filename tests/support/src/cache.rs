//! The compiled-guest cache of the binary under test.
//!
//! revguard caches the wasm guest, compiled for this machine, in
//! `$REVGUARD_CACHE_DIR` (else `~/.cache/revguard`) and prunes the artifacts
//! of other builds there. A test run must neither read a developer's cache
//! nor prune another checkout's artifact, so every run of the binary from a
//! suite, and every in-process use of the sandbox, points
//! `REVGUARD_CACHE_DIR` at [`dir`]: one directory per suite under the
//! target directory's `tmp/` (cargo's place for integration-test data). The
//! guest is compiled once per suite and build; the cache keeps one artifact,
//! so the directory stays small across runs. Anything else revguard caches
//! goes under the same root, so this one variable isolates it too.
//!
//! Tests of the cache itself (`tests/sandbox`) give revguard a fresh
//! temporary directory of their own instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Once, OnceLock};

/// The variable revguard reads.
pub const ENV: &str = "REVGUARD_CACHE_DIR";

/// This suite's cache directory (created on first use).
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tmp_root().join("revguard-cache").join(suite_name());
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
        dir
    })
}

/// Point `command` (revguard itself, or a tool that runs it: git hooks,
/// pre-commit, kpt, a wheel's script) at this suite's cache.
pub fn isolate(command: &mut Command) -> &mut Command {
    command.env(ENV, dir())
}

/// The `(name, value)` pair for an environment built from scratch (a
/// process started with `env_clear`).
pub fn env_pair() -> (String, String) {
    (ENV.to_owned(), dir().display().to_string())
}

/// Point this process's own environment at the cache, for suites that run
/// the sandbox in process (the host library reads `REVGUARD_CACHE_DIR` when
/// it first loads the guest). Call it before the first in-process check;
/// later calls do nothing.
pub fn isolate_this_process() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = dir();
        // SAFETY: the variable is written once, before this process loads the
        // guest. The threads that may run meanwhile are the test harness's,
        // which read the environment only through `std::env` (and
        // `std::process::Command`), which serialise with `set_var`; no test
        // here calls C code that reads the environment.
        unsafe { std::env::set_var(ENV, dir) };
    });
}

/// `<target>/tmp`: the test executable lives in `<target>/<profile>/deps/`
/// (or `<target>/<triple>/<profile>/deps/`); outside cargo, the system's
/// temporary directory.
fn tmp_root() -> PathBuf {
    let exe = std::env::current_exe().ok();
    let deps = exe.as_deref().and_then(Path::parent);
    match deps {
        Some(deps) if deps.file_name().is_some_and(|n| n == "deps") => deps
            .parent()
            .and_then(Path::parent)
            .map_or_else(std::env::temp_dir, |target| target.join("tmp")),
        _ => std::env::temp_dir(),
    }
}

/// The suite's name: the test executable's, without cargo's `-<hash>`.
fn suite_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_deref()
        .and_then(Path::file_stem)
        .map_or_else(|| "tests".to_owned(), |s| s.to_string_lossy().into_owned());
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_owned()
        }
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_per_suite_and_under_the_target_dir() {
        let dir = dir();
        assert!(dir.is_dir());
        assert!(dir.ends_with(Path::new("revguard-cache").join(suite_name())));
        // This unit-test binary is `revguard_test_support-<hash>`.
        assert_eq!(suite_name(), "revguard_test_support");
        let home = std::env::var_os("HOME").map(PathBuf::from);
        assert!(home.is_none_or(|h| !dir.starts_with(h.join(".cache"))));
    }

    #[test]
    fn isolate_sets_the_variable_on_a_command() {
        let mut command = Command::new("true");
        isolate(&mut command);
        let value = command
            .get_envs()
            .find(|(k, _)| *k == ENV)
            .and_then(|(_, v)| v);
        assert_eq!(value, Some(dir().as_os_str()));
        assert_eq!(env_pair(), (ENV.to_owned(), dir().display().to_string()));
    }
}
