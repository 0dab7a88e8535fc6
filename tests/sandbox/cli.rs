//! The CLI under both engines: `--engine wasm` (the default) and
//! `--engine native` print byte-identical reports for the bundled example
//! and every catalogue fixture, and the sandbox's limits
//! surface as exit 2 with one line on stderr and nothing on stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::repo_root;

/// `revguard` with the compiled-module cache in a private directory (these
/// tests are about that cache).
fn revguard(cache: &Path) -> Command {
    let mut command = crate::support::revguard(&repo_root());
    command.env(crate::support::cache::ENV, cache);
    command
}

/// What `revguard check` is given for each bundled example and each
/// catalogue fixture, as paths relative to the root.
fn projects() -> Vec<PathBuf> {
    let root = repo_root();
    let mut found = vec![PathBuf::from("examples/incident-443")];
    for fixture in crate::support::catalogue::fixtures() {
        let relative = fixture.strip_prefix(&root).expect("under the root");
        found.push(relative.join(crate::support::catalogue::target(&fixture)));
    }
    found
}

fn check(cache: &Path, engine: &str, project: &Path, extra: &[&str]) -> Output {
    revguard(cache)
        .args(["check", "--format", "json", "--engine", engine])
        .args(extra)
        .arg(project)
        .output()
        .expect("revguard runs")
}

#[test]
fn check_json_is_identical_under_both_engines() {
    let cache = tempfile::tempdir().expect("tempdir");
    let projects = projects();
    let minimum = crate::support::catalogue::minimum(revguard_core::checks::registry().count());
    assert!(
        projects.len() > minimum,
        "the example and at least {minimum} catalogue fixtures: {projects:?}"
    );
    for project in &projects {
        let wasm = check(cache.path(), "wasm", project, &[]);
        let native = check(cache.path(), "native", project, &[]);
        let shown = project.display();
        assert_eq!(
            wasm.status.code(),
            native.status.code(),
            "{shown}: exit codes differ"
        );
        assert!(
            matches!(wasm.status.code(), Some(0 | 1)),
            "{shown}: the tool failed: {}",
            String::from_utf8_lossy(&wasm.stderr)
        );
        assert!(
            wasm.stdout == native.stdout,
            "{shown}: reports differ\nwasm:\n{}\nnative:\n{}",
            String::from_utf8_lossy(&wasm.stdout),
            String::from_utf8_lossy(&native.stdout)
        );
        let default = revguard(cache.path())
            .args(["check", "--format", "json"])
            .arg(project)
            .output()
            .expect("revguard runs");
        assert_eq!(
            default.stdout, wasm.stdout,
            "{shown}: the default engine is wasm"
        );
    }
}

#[test]
fn limits_are_exit_2_with_one_line_and_no_report() {
    let cache = tempfile::tempdir().expect("tempdir");
    let project = Path::new("examples/incident-443");
    for (flags, message) in [
        (
            &["--max-memory", "1"][..],
            "revguard: error: sandbox: memory limit of 1 MiB exceeded\n",
        ),
        (
            &["--timeout", "0.000001"][..],
            "revguard: error: sandbox: time limit of 1µs exceeded\n",
        ),
    ] {
        let output = check(cache.path(), "wasm", project, flags);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            message,
            "{flags:?}"
        );
        assert!(output.stdout.is_empty(), "{flags:?}: no partial report");
    }
}

#[test]
fn an_unwritable_cache_still_checks() {
    // The ArgoCD sidecar may run with a read-only root file system.
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").expect("write");
    let output = check(
        &blocker.join("cache"),
        "wasm",
        Path::new("examples/incident-443"),
        &[],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty());
}

/// `check --dialect django` under both engines: the example and generated
/// projects (forks, merges, squashes, missing parents, cycles, unreadable
/// modules) give the same bytes and exit code in every format, and a warm
/// run reads every module's facts from the result cache.
#[test]
fn django_is_identical_under_both_engines() {
    use revguard_test_support::generate::Rng;

    let cache = tempfile::tempdir().expect("tempdir");
    let generated = tempfile::tempdir().expect("tempdir");
    let mut projects = vec![(
        repo_root().join("examples/django-leaf-conflict"),
        "accounts.User".to_owned(),
    )];
    let mut rng = Rng::new(0xD1A6_0000_2026);
    for id in 0..24 {
        let project = crate::django_generate::project(id, &mut rng);
        crate::django_generate::write(&project, generated.path(), &mut rng).expect("write");
        projects.push((
            generated.path().join(format!("p{id}")),
            project.user_model.clone(),
        ));
    }
    let run = |engine: &str, project: &Path, user_model: &str, format: &str| {
        revguard(cache.path())
            .args(["check", "--dialect", "django", "--user-model", user_model])
            .args(["--format", format, "--engine", engine])
            .arg(project)
            .env("REVGUARD_TRACE", "1")
            .output()
            .expect("revguard runs")
    };
    let mut failing = 0;
    for (project, user_model) in &projects {
        let shown = project.display();
        for format in ["human", "json", "sarif", "junit"] {
            let wasm = run("wasm", project, user_model, format);
            let native = run("native", project, user_model, format);
            assert_eq!(wasm.status.code(), native.status.code(), "{shown} {format}");
            assert!(
                matches!(wasm.status.code(), Some(0..=2)),
                "{shown}: {}",
                String::from_utf8_lossy(&wasm.stderr)
            );
            assert!(
                wasm.stdout == native.stdout,
                "{shown} {format}: outputs differ\nwasm:\n{}\nnative:\n{}",
                String::from_utf8_lossy(&wasm.stdout),
                String::from_utf8_lossy(&native.stdout)
            );
            if format == "json" && wasm.status.code() == Some(1) {
                failing += 1;
            }
        }
        let warm = run("wasm", project, user_model, "json");
        let trace = String::from_utf8_lossy(&warm.stderr);
        if warm.status.code() != Some(2) {
            assert!(
                trace.contains("django facts: 0 computed"),
                "{shown}: a warm run reads the cache:\n{trace}"
            );
        }
    }
    assert!(
        failing >= 3,
        "the projects include failing ones ({failing})"
    );
}
