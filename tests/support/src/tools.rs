//! Outside tools the suites drive for real, and what happens when one is
//! missing: on a developer machine a LOUD notice on stderr and a skip (the
//! test returns early, which cargo reports as a pass, hence the noise);
//! when `CI` is set, a failure, so a CI run can never go green by skipping.
//! `.ci/run` installs every tool.

use std::path::PathBuf;
use std::process::Command;

use crate::fs::repo;

/// Is this a CI run (`CI` set and not empty)?
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether `test` can run: `ok` says whether `what` (a tool, a build
/// configuration) is there, `why` says what is missing and how to get it.
/// Missing: panics under CI, otherwise prints the notice and returns false.
pub fn require(what: &str, test: &str, ok: bool, why: &str) -> bool {
    if ok {
        return true;
    }
    let text = format!("`{test}` needs {what}: {why}");
    assert!(
        !in_ci(),
        "CI is set, so a missing tool is a failure, not a skip: {text}"
    );
    let bar = "!".repeat(78);
    eprintln!("\n{bar}\n!!! SKIPPED (not a pass): {text}\n{bar}\n");
    false
}

/// Every `name` on `PATH`, in order.
pub fn on_path(name: &str) -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .filter(|p| p.is_file())
        .collect()
}

/// An outside tool: in `$REVGUARD_TOOLS_VENV/bin`, in the venv that
/// `tests/formats/setup.sh` makes (`<repo>/target/formats-tools`), then on
/// `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("REVGUARD_TOOLS_VENV") {
        dirs.push(PathBuf::from(venv).join("bin"));
    }
    dirs.push(repo().join("target/formats-tools/bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// [`find_tool`], or the missing-tool rule ([`require`]) with `hint` saying
/// how to install it.
pub fn require_tool(name: &str, test: &str, hint: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    let why = format!("`{name}` was not found; {hint}");
    require(&format!("`{name}`"), test, found.is_some(), &why).then(|| found.expect("found"))
}

/// The Python of the Alembic oracle venv: `$REVGUARD_PYTHON`, else
/// `<repo>/.venv/bin/python` (made by `tests/oracle/setup-venv.sh`). Which
/// of the two, for messages.
pub fn oracle_python() -> (PathBuf, &'static str) {
    match std::env::var_os("REVGUARD_PYTHON") {
        Some(path) => (PathBuf::from(path), "REVGUARD_PYTHON"),
        None => (repo().join(".venv/bin/python"), "<repo>/.venv/bin/python"),
    }
}

/// The oracle venv's Python when it imports alembic 1.20.1; otherwise the
/// missing-tool rule.
pub fn alembic_python(test: &str) -> Option<PathBuf> {
    let (python, _) = oracle_python();
    let ok = succeeds(Command::new(&python).args([
        "-c",
        "import alembic, sys; sys.exit(alembic.__version__ != '1.20.1')",
    ]));
    let why = format!(
        "{} (run tests/oracle/setup-venv.sh or set REVGUARD_PYTHON)",
        python.display()
    );
    require("Python with alembic==1.20.1", test, ok, &why).then_some(python)
}

/// Is `git` available? (The missing-tool rule when not.)
pub fn have_git(test: &str) -> bool {
    let ok = succeeds(Command::new("git").arg("--version"));
    require("git", test, ok, "`git --version` failed")
}

/// Does `command` run and exit 0?
pub fn succeeds(command: &mut Command) -> bool {
    command.output().is_ok_and(|o| o.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_tool_is_required_silently() {
        assert!(require("nothing", "this test", true, "unused"));
    }

    #[test]
    fn a_missing_tool_skips_or_fails_under_ci() {
        let outcome = std::panic::catch_unwind(|| require("a tool", "this test", false, "absent"));
        match outcome {
            Ok(ran) => {
                assert!(!in_ci());
                assert!(!ran, "a missing tool never lets the test run");
            }
            Err(_) => assert!(in_ci(), "only CI turns a missing tool into a failure"),
        }
    }

    #[test]
    fn tools_are_found_on_path() {
        // `sh` is on every PATH these tests run with.
        assert!(!on_path("sh").is_empty());
        assert!(find_tool("sh").is_some());
        assert!(find_tool("no-such-tool-revguard").is_none());
    }
}
