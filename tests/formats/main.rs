//! The `formats` suite: every output format, the configuration file, the
//! graph export and the integrations (pre-commit, the maturin wheel, Graphviz)
//! driven for real.
//!
//! Suites that need an outside tool (`dot`, `pre-commit`, `maturin`,
//! `python3`) print a loud notice and skip when it is missing, except under
//! `CI`, where a missing tool fails the test. Install them with
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
use std::sync::{PoisonError, RwLock, RwLockWriteGuard};

use revguard_test_support as support;

pub use support::code;
pub use support::fs::copy_dir;
pub use support::repo as root;

/// The binary under test, shared with the two tests that build it again
/// with maturin (the wheel and the pre-commit hook). To reuse what `cargo
/// test` compiled instead of compiling wasmtime again in release mode, they
/// build in the same target directory with the same profile
/// ([`BuildConfig`]), so only this checkout's crates are compiled: a plain
/// build leaves off the test-only features `cargo test` turns on in the
/// core, and pre-commit builds from its own clone, whose files are newer
/// (cargo names a workspace crate by its path inside the workspace, so the
/// clone's crates are the same units). Such a build re-links
/// `<target>/<profile>/revguard`, and maturin moves the binary it packs; so
/// runs of the binary hold this lock for reading, and a build holds it for
/// writing and puts the binary back afterwards ([`BuildTurn`]). The next
/// plain `cargo build` recompiles the host crate once (the hook's build
/// embedded the guest through `REVGUARD_GUEST_WASM`).
static BINARY: RwLock<()> = RwLock::new(());

/// Run `command` (the binary under test) while no build replaces it.
pub fn output(command: &mut Command) -> Output {
    let _running = BINARY.read().unwrap_or_else(PoisonError::into_inner);
    command.output().expect("revguard runs")
}

/// How the binary under test was built: its target directory and cargo
/// profile (`cargo test` builds it with `dev`, `cargo test --release` with
/// `release`).
pub struct BuildConfig {
    /// The target directory (`<repo>/target` unless `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// The cargo profile.
    pub profile: String,
}

impl BuildConfig {
    /// The configuration of the binary under test.
    pub fn of_binary_under_test() -> BuildConfig {
        let bin = support::cli::bin();
        let profile_dir = bin.parent().expect("<target>/<profile>/revguard");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev".to_owned(),
            Some(other) => other.to_owned(),
            None => panic!("{}: no profile directory", bin.display()),
        };
        let target_dir = profile_dir.parent().expect("<target>").to_path_buf();
        BuildConfig {
            target_dir,
            profile,
        }
    }
}

/// A build of the binary under test in its own target directory: no test
/// runs the binary meanwhile, the builds take turns, and on drop the binary
/// `cargo test` built is back in place (a hard link made before the build,
/// renamed over whatever the build left there).
pub struct BuildTurn {
    _exclusive: RwLockWriteGuard<'static, ()>,
    bin: PathBuf,
    saved: PathBuf,
}

impl BuildTurn {
    /// Wait for the turn and save the binary.
    pub fn take() -> BuildTurn {
        let exclusive = BINARY.write().unwrap_or_else(PoisonError::into_inner);
        let bin = support::cli::bin();
        let saved = bin.with_file_name(format!(".revguard-under-test-{}", std::process::id()));
        let _ = std::fs::remove_file(&saved);
        std::fs::hard_link(&bin, &saved)
            .unwrap_or_else(|err| panic!("cannot save {}: {err}", bin.display()));
        BuildTurn {
            _exclusive: exclusive,
            bin,
            saved,
        }
    }
}

impl Drop for BuildTurn {
    fn drop(&mut self) {
        // When the build left the binary alone, `saved` is a second link to
        // the same file and rename does nothing; remove it then.
        let restored = std::fs::rename(&self.saved, &self.bin);
        let _ = std::fs::remove_file(&self.saved);
        if let Err(err) = restored
            && !std::thread::panicking()
        {
            panic!("cannot restore {}: {err}", self.bin.display());
        }
    }
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
    output(command(dir).args(args))
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
