//! The binary under test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cache;

/// The `revguard` binary of this build: `CARGO_BIN_EXE_revguard`, which
/// cargo sets when it runs a test of the host crate. Run by hand, a test
/// binary finds it next to its own `deps/` directory.
pub fn bin() -> PathBuf {
    if let Some(path) = std::env::var_os("CARGO_BIN_EXE_revguard") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in <target>/<profile>/deps");
    let path = profile_dir.join(format!("revguard{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "CARGO_BIN_EXE_revguard is not set and {} does not exist: run the suite with `cargo test`",
        path.display()
    );
    path
}

/// `revguard` ready to run in `dir`: the suite's isolated guest cache, no
/// colour (`NO_COLOR=1`), and none of the caller's environment that would
/// change what it does (GitHub Actions detection, a database URL, forced
/// colour, the fault-injection hook). Add arguments and run it.
pub fn revguard(dir: &Path) -> Command {
    let mut command = Command::new(bin());
    command
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("REVGUARD_DATABASE_URL")
        .env_remove("REVGUARD_FAULT_INJECT")
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1");
    cache::isolate(&mut command);
    command
}

/// Run `revguard <args>` in `dir` with extra environment variables.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = revguard(dir);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run revguard")
}

/// stdout as (lossy) text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as (lossy) text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code, or -1 when a signal ended the process.
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}
