//! The check catalogue: every check in the registry, tested on its own
//! through the real CLI.
//!
//! Each check has a folder `core/tests/checks/<check_name>/` (the check's
//! kebab-case name with `_` for `-`) holding fixture projects:
//!
//! - `trigger/` (and `trigger_<shape>/`): the check must fire. Its `expect`
//!   file lists, in report order, every diagnostic of that check, one line
//!   each: `<severity> <path>:<line>: <message>` (the primary label's
//!   place), or `<severity>: <message>` for a diagnostic without labels.
//! - `near_miss/` (and `near_miss_<shape>/`): as close to a trigger as
//!   possible, but the check must stay silent.
//! - `snapshots/<variant>.snap`: the human output of each fixture (insta).
//!
//! A fixture is a project: `alembic.ini` (or `pyproject.toml`) with its
//! script directory, or a bare `versions/` folder; `revguard.toml` and a
//! lock file go where the CLI looks for them. Optional files the harness
//! reads and does not copy into the project:
//!
//! - `about`: what the fixture shows and why (the snapshot's description).
//! - `args`: extra `revguard check` arguments, one per line.
//! - `alembic_version`: rows of a version table (one per line, none for an
//!   empty table); the harness writes them to a SQLite database
//!   `alembic_version.db` in the project (`--database-url
//!   sqlite:///alembic_version.db` in `args` reads it).
//! - `base/`: the project as committed at a git ref; the harness commits it
//!   in a fresh repository, lays the fixture's files over it and tags the
//!   commit `base` (`--base base` in `args` compares with it).
//!
//! Lines starting with `#` in `args` and `expect` are comments.
//! `CATALOGUE_FILTER=duplicate_revision cargo test --test checks` runs the
//! fixtures whose `<check>/<variant>` contains the filter.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use revguard_core::checks::{CheckInfo, Group, registry};
use serde_json::Value;

use revguard_test_support as support;
use support::catalogue::{CONTROL, dir as catalogue};

/// The folder name of a check.
fn folder_name(check: &CheckInfo) -> String {
    check.name.replace('-', "_")
}

/// Whether a fixture must fire its check or stay silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trigger,
    NearMiss,
}

impl Kind {
    fn of(variant: &str) -> Option<Kind> {
        let shaped = |prefix: &str| {
            variant == prefix
                || variant
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|shape| !shape.is_empty())
        };
        if shaped("trigger") {
            Some(Kind::Trigger)
        } else if shaped("near_miss") {
            Some(Kind::NearMiss)
        } else {
            None
        }
    }
}

/// One fixture project.
struct Fixture {
    check: &'static CheckInfo,
    variant: String,
    dir: PathBuf,
    kind: Kind,
}

impl Fixture {
    fn name(&self) -> String {
        format!("{}/{}", folder_name(self.check), self.variant)
    }

    /// An optional control file's lines, comments and blank lines dropped.
    fn lines(&self, file: &str) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.dir.join(file)).ok()?;
        Some(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect(),
        )
    }
}

/// Every fixture, or the problems that make the catalogue malformed.
fn discover() -> Result<Vec<Fixture>, Vec<String>> {
    let mut fixtures = Vec::new();
    let mut problems = Vec::new();
    for check in registry() {
        let folder = catalogue().join(folder_name(check));
        let Ok(entries) = std::fs::read_dir(&folder) else {
            problems.push(format!(
                "{}: no folder for check `{}`",
                folder.display(),
                check.name
            ));
            continue;
        };
        let mut variants: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name != "snapshots")
            .collect();
        variants.sort();
        for variant in variants {
            let Some(kind) = Kind::of(&variant) else {
                problems.push(format!(
                    "{}/{variant}: a fixture is named `trigger`, `near_miss`, or either with `_<shape>`",
                    folder.display()
                ));
                continue;
            };
            fixtures.push(Fixture {
                check,
                dir: folder.join(&variant),
                variant,
                kind,
            });
        }
        for kind in [Kind::Trigger, Kind::NearMiss] {
            if !fixtures
                .iter()
                .any(|f| f.check.name == check.name && f.kind == kind)
            {
                problems.push(format!("{}: no {kind:?} fixture", folder.display()));
            }
        }
    }
    if problems.is_empty() {
        Ok(fixtures)
    } else {
        Err(problems)
    }
}

#[test]
fn every_check_has_a_folder_and_every_folder_a_check() {
    let mut problems = discover().err().unwrap_or_default();
    let known: Vec<String> = registry().map(folder_name).collect();
    for entry in std::fs::read_dir(catalogue()).expect("core/tests/checks") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name) {
            problems.push(format!(
                "{}: names no registered check",
                entry.path().display()
            ));
        }
    }
    problems.extend(unreferenced_snapshots());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Snapshot files that belong to no fixture (a renamed or deleted variant).
fn unreferenced_snapshots() -> Vec<String> {
    let mut stale = Vec::new();
    for check in registry() {
        let folder = catalogue().join(folder_name(check));
        let Ok(entries) = std::fs::read_dir(folder.join("snapshots")) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            match name.strip_suffix(".snap") {
                Some(variant) if folder.join(variant).is_dir() => {}
                Some(_) => stale.push(format!("{}: no fixture uses it", path.display())),
                None if name.ends_with(".snap.new") => stale.push(format!(
                    "{}: not reviewed yet; accept it (INSTA_UPDATE=always) or delete it",
                    path.display()
                )),
                None => stale.push(format!("{}: not a snapshot", path.display())),
            }
        }
    }
    stale
}

#[test]
fn every_fixture_fires_or_spares_its_check() {
    let fixtures = match discover() {
        Ok(fixtures) => fixtures,
        Err(problems) => panic!("the catalogue is malformed:\n{}", problems.join("\n")),
    };
    let filter = std::env::var("CATALOGUE_FILTER").unwrap_or_default();
    let fixtures: Vec<Fixture> = fixtures
        .into_iter()
        .filter(|f| f.name().contains(&filter))
        .collect();
    assert!(!fixtures.is_empty(), "no fixture matches `{filter}`");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(fixture) = fixtures.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let outcome =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verify(fixture)));
                    let problem = match outcome {
                        Ok(Ok(())) => continue,
                        Ok(Err(problem)) => problem,
                        Err(_) => {
                            "panicked, see above (usually a snapshot that differs)".to_owned()
                        }
                    };
                    failures
                        .lock()
                        .expect("lock")
                        .push(format!("{}: {problem}", fixture.name()));
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("lock");
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// Run one fixture: the JSON report decides, the human output is snapshotted.
fn verify(fixture: &Fixture) -> Result<(), String> {
    let project = tempfile::tempdir().map_err(|e| e.to_string())?;
    lay_out(fixture, project.path())?;
    let mut args = vec![
        "check".to_owned(),
        support::catalogue::target(project.path()).to_owned(),
    ];
    args.extend(fixture.lines("args").unwrap_or_default());

    let mut json_args = args.clone();
    json_args.extend(["--format".to_owned(), "json".to_owned()]);
    let json = revguard(project.path(), &json_args);
    let report: Value = serde_json::from_slice(&json.stdout).map_err(|e| {
        format!(
            "`revguard {}` printed no JSON report ({e}); stderr: {}",
            json_args.join(" "),
            String::from_utf8_lossy(&json.stderr)
        )
    })?;
    let found = diagnostics_of(&report, fixture.check)?;
    match fixture.kind {
        Kind::NearMiss if fixture.dir.join("expect").exists() => {
            return Err("a near miss expects nothing: remove its `expect` file".to_owned());
        }
        Kind::NearMiss if !found.is_empty() => {
            return Err(format!(
                "must not fire, but reported:\n  {}",
                found.join("\n  ")
            ));
        }
        Kind::NearMiss => {}
        Kind::Trigger => {
            let expected = fixture
                .lines("expect")
                .ok_or("a trigger fixture needs an `expect` file")?;
            if found.is_empty() {
                return Err("did not fire".to_owned());
            }
            if found != expected {
                return Err(format!(
                    "reported:\n  {}\nexpected (`expect`):\n  {}",
                    found.join("\n  "),
                    expected.join("\n  ")
                ));
            }
        }
    }

    let human = revguard(project.path(), &args);
    snapshot(fixture, &args, &human);
    Ok(())
}

/// Copy the fixture into `project`, building the git history and the
/// database its control files describe.
fn lay_out(fixture: &Fixture, project: &Path) -> Result<(), String> {
    let base = fixture.dir.join("base");
    if base.is_dir() {
        support::fs::copy_dir(&base, project);
        for args in [
            &["init", "--quiet"][..],
            &["add", "--all"],
            &["commit", "--quiet", "--message", "base"],
            &["tag", "base"],
            &["rm", "-r", "--quiet", "."],
        ] {
            support::git::ok(project, args);
        }
    }
    let entries = std::fs::read_dir(&fixture.dir).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        if CONTROL.iter().any(|c| entry.file_name() == *c) {
            continue;
        }
        let target = project.join(entry.file_name());
        if entry.path().is_dir() {
            support::fs::copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    if let Some(rows) = fixture.lines("alembic_version") {
        version_table(&project.join("alembic_version.db"), &rows)?;
    }
    Ok(())
}

/// A SQLite database with Alembic's version table holding `rows`.
fn version_table(path: &Path, rows: &[String]) -> Result<(), String> {
    let fail = |e: rusqlite::Error| format!("{}: {e}", path.display());
    let conn = rusqlite::Connection::open(path).map_err(fail)?;
    conn.execute(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        [],
    )
    .map_err(fail)?;
    for row in rows {
        conn.execute("INSERT INTO alembic_version VALUES (?1)", [row])
            .map_err(fail)?;
    }
    Ok(())
}

/// The real CLI, colour off, with the suite's compiled-guest cache.
fn revguard(dir: &Path, args: &[String]) -> Output {
    support::revguard(dir)
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("run revguard")
}

/// The diagnostics of `check` in a JSON report, as `expect` lines.
fn diagnostics_of(report: &Value, check: &CheckInfo) -> Result<Vec<String>, String> {
    let diagnostics = report["diagnostics"]
        .as_array()
        .ok_or("the report has no `diagnostics` list")?;
    let mut lines = Vec::new();
    for d in diagnostics {
        let name = d["check"].as_str().unwrap_or_default();
        let code = d["code"].as_str().unwrap_or_default();
        if name != check.name && code != check.code {
            continue;
        }
        // deploy-safety reports under squawk's rule names, with its own code:
        // the rule goes into the line.
        let rule = check.group == revguard_core::checks::Group::Safety && name != check.name;
        if !rule && (name != check.name || code != check.code) {
            return Err(format!(
                "`{name}` carries code `{code}`, not `{}`",
                check.code
            ));
        }
        let severity = d["severity"].as_str().unwrap_or_default();
        let message = d["message"].as_str().unwrap_or_default();
        let message = if rule {
            format!("[{name}] {message}")
        } else {
            message.to_owned()
        };
        let labels = d["labels"].as_array().cloned().unwrap_or_default();
        let primary = labels
            .iter()
            .find(|l| l["primary"] == Value::Bool(true))
            .or(labels.first());
        lines.push(match primary {
            Some(label) => format!(
                "{severity} {}:{}: {message}",
                label["path"].as_str().unwrap_or_default(),
                label["start"]["line"]
            ),
            None => format!("{severity}: {message}"),
        });
    }
    Ok(lines)
}

/// Snapshot the human output next to the fixture.
fn snapshot(fixture: &Fixture, args: &[String], output: &Output) {
    let mut shown = format!(
        "$ revguard {}\nexit code: {}\n",
        args.join(" "),
        output.status.code().unwrap_or(-1)
    );
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if !bytes.is_empty() {
            shown.push_str(&format!("--- {stream}\n{}", String::from_utf8_lossy(bytes)));
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        fixture
            .dir
            .parent()
            .expect("check folder")
            .join("snapshots"),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(&fixture.dir);
    if let Ok(about) = std::fs::read_to_string(fixture.dir.join("about")) {
        settings.set_description(about.trim());
    }
    settings.bind(|| insta::assert_snapshot!(fixture.variant.as_str(), shown));
}

/// The code's hundreds digit names the group: `RG1xx` graph, `RG2xx`
/// hygiene, `RG3xx` history, `RG4xx` safety.
fn code_prefix(group: Group) -> &'static str {
    match group {
        Group::Graph => "RG1",
        Group::Hygiene => "RG2",
        Group::History => "RG3",
        Group::Safety => "RG4",
    }
}

/// The sections every check's doc comment has, in this order (the docs
/// `revguard explain` prints and `docs/checks.md` renders).
const DOC_SECTIONS: [&str; 4] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
];

#[test]
fn check_names_and_codes_are_unique_prefixed_and_documented() {
    let mut problems = Vec::new();
    let all: Vec<&CheckInfo> = registry().collect();
    assert!(!all.is_empty(), "the registry is empty");
    for (i, check) in all.iter().enumerate() {
        for other in &all[..i] {
            if other.code == check.code || other.name == check.name {
                problems.push(format!(
                    "`{}` ({}) and `{}` ({}) share a name or a code",
                    other.name, other.code, check.name, check.code
                ));
            }
        }
        let digits = check.code.strip_prefix(code_prefix(check.group));
        if !digits.is_some_and(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit())) {
            problems.push(format!(
                "`{}`: code {} does not match its group {:?} ({}xx)",
                check.name,
                check.code,
                check.group,
                code_prefix(check.group)
            ));
        }
        let is_kebab = check
            .name
            .split('-')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        if !is_kebab {
            problems.push(format!("`{}`: the name is not kebab-case", check.name));
        }
        let mut at = 0;
        for section in DOC_SECTIONS {
            match check.docs[at..].find(&format!(" {section}\n")) {
                Some(found) => at += found + section.len(),
                None => problems.push(format!(
                    "`{}`: its doc comment lacks `{section}` (or has it out of order)",
                    check.name
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
