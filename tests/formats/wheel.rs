//! The Python distribution: maturin builds the wheel (bin mode, guest
//! embedded), a fresh venv installs it, and the installed `revguard` checks
//! the incident.

use std::process::Command;
use std::time::Instant;

use crate::{BuildConfig, BuildTurn, clean, code, incident, require_tool, root, run_ok, support};

#[test]
fn wheel_installs_and_runs() {
    let Some(maturin) = require_tool("maturin", "building the wheel with maturin") else {
        return;
    };
    let Some(python) = require_tool("python3", "installing the wheel into a fresh venv") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let dist = work.path().join("dist");

    // The wheel of the binary under test: same target dir and profile, and
    // no stripping (a re-link), so cargo finds every dependency built (see
    // `BINARY`). A release wheel is the same build with more optimisation;
    // building one here would compile wasmtime a second time, minutes of
    // the CI budget for nothing this test checks.
    let build = BuildConfig::of_binary_under_test();
    let started = Instant::now();
    {
        let _turn = BuildTurn::take();
        run_ok(
            Command::new(&maturin)
                .args(["build", "--locked", "--quiet", "--strip", "false"])
                .args(["--profile", &build.profile, "--target-dir"])
                .arg(&build.target_dir)
                .arg("--out")
                .arg(&dist)
                .current_dir(root()),
        );
    }
    let elapsed = started.elapsed();
    let wheels: Vec<_> = std::fs::read_dir(&dist)
        .expect("dist")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel: {wheels:?}");
    let wheel = &wheels[0];
    let name = wheel
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with(&format!("revguard-{}-py3-none-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    let size = std::fs::metadata(wheel).expect("wheel").len();
    eprintln!(
        "wheel: {name}, {:.1} MiB, built in {:.0?}",
        size as f64 / 1048576.0,
        elapsed
    );

    let venv = work.path().join("venv");
    run_ok(Command::new(&python).args(["-m", "venv"]).arg(&venv));
    run_ok(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
            ])
            .arg(wheel),
    );
    let installed = venv.join("bin/revguard");
    assert!(
        installed.is_file(),
        "the wheel installs a `revguard` script"
    );

    let on_incident = support::cache::isolate(&mut Command::new(&installed))
        .args(["check", "--format", "json"])
        .current_dir(incident())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("installed revguard runs");
    assert_eq!(
        code(&on_incident),
        1,
        "{}",
        String::from_utf8_lossy(&on_incident.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&on_incident.stdout).expect("json");
    assert!(
        report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["check"] == "duplicate-revision"),
        "the installed binary finds the incident's duplicate revision"
    );
    assert_eq!(report["revguard_version"], env!("CARGO_PKG_VERSION"));

    let on_clean = support::cache::isolate(&mut Command::new(&installed))
        .arg("check")
        .current_dir(clean())
        .output()
        .expect("runs");
    assert_eq!(
        code(&on_clean),
        0,
        "{}",
        String::from_utf8_lossy(&on_clean.stdout)
    );
}
