//! Differential tests: revguard's Django reader and semantics against real
//! Django.
//!
//! Django 5.2 LTS and the newest release (venvs made by
//! `tests/oracle/setup-django-venvs.sh`) are the oracles. Seeded random
//! projects ([`generate`]) are written to disk as Python packages; one
//! Python process per batch (`tests/oracle/django_oracle.py`) loads each
//! with Django's real `MigrationExecutor`, `check_consistent_history`,
//! `detect_conflicts` and `migration_plan`, and revguard reads the same
//! files with `revguard_core::dialect::django`. The error (type and
//! message), the leaves per app, the conflicts and the `migrate --plan`
//! order must agree. Where Django's choice depends on Python's hash order
//! (which missing node it names first, where its cycle walk starts), the
//! core lists every candidate and Django's answer must be one of them.
//!
//! `REVGUARD_DJANGO_CASES` (default 2000), `REVGUARD_DJANGO_SEED`,
//! `REVGUARD_DJANGO_KEEP=1` (keep the projects). Venvs:
//! `$REVGUARD_DJANGO_VENVS/{lts,latest}`, else `<repo>/target/django-venvs`.

mod faces;
mod generate;
mod history;
mod layout;
mod several;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use revguard_core::dialect::django::{self, App, DjangoError, Key, Loaded, Migration, Project};
use revguard_core::python::PythonVersion;
use revguard_test_support as support;
use support::generate::Rng;

const DEFAULT_SEED: u64 = 0xD1A4_60FE_ED00_0001;
const BATCH: usize = 1000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    })
}

/// The oracle venvs' Pythons, or the missing-tool rule.
fn oracles() -> Option<Vec<(String, PathBuf)>> {
    let dir = std::env::var_os("REVGUARD_DJANGO_VENVS")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::repo().join("target/django-venvs"));
    let mut found = Vec::new();
    for name in ["lts", "latest"] {
        let python = dir.join(name).join("bin/python");
        let version = Command::new(&python)
            .args(["-c", "import django; print(django.__version__)"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let why = format!(
            "{} does not import django (run tests/oracle/setup-django-venvs.sh or set REVGUARD_DJANGO_VENVS)",
            python.display()
        );
        if !support::tools::require(
            &format!("Django's {name} venv"),
            "random_projects",
            version.is_some(),
            &why,
        ) {
            return None;
        }
        found.push((version.unwrap_or_default(), python));
    }
    Some(found)
}

/// What revguard sees: the apps under `p<id>/`, read from disk.
fn revguard_project(root: &Path, project: &generate::GenProject) -> Project {
    let mut apps = Vec::new();
    for app in &project.apps {
        let dir = root
            .join(format!("p{}", project.id))
            .join(&app.label)
            .join("migrations");
        let migrated = dir.join("__init__.py").is_file();
        let mut migrations = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if path.extension().is_some_and(|e| e == "py") && !stem.starts_with(['_', '~']) {
                let bytes = std::fs::read(&path).expect("read a generated migration");
                migrations.push(Migration {
                    name: stem.to_string(),
                    facts: django::read(&bytes, Some(PythonVersion::DEFAULT)),
                });
            }
        }
        apps.push(App {
            label: app.label.clone(),
            migrated,
            migrations,
        });
    }
    Project {
        apps,
        user_model: project.user_model.clone(),
        applied: Some(
            project
                .applied
                .iter()
                .map(|(a, n)| Key::new(a, n))
                .collect(),
        ),
        history: None,
        safety: None,
    }
}

fn batch_json(root: &Path, projects: &[generate::GenProject]) -> String {
    let list: Vec<serde_json::Value> = projects
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "package": format!("p{}", p.id),
                "apps": p.apps.iter().map(|a| serde_json::json!({"label": a.label})).collect::<Vec<_>>(),
                "user_model": p.user_model,
                "applied": p.applied,
            })
        })
        .collect();
    serde_json::json!({
        "root": root,
        "labels": generate::LABELS,
        "projects": list,
    })
    .to_string()
}

/// Run one oracle over one batch; one result per project, by id.
fn run_oracle(python: &Path, batch: &Path) -> BTreeMap<u64, serde_json::Value> {
    let script = support::repo().join("tests/oracle/django_oracle.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(batch)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the Django oracle");
    assert!(
        out.status.success(),
        "the Django oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("oracle JSON");
            (value["id"].as_u64().expect("id"), value)
        })
        .collect()
}

#[test]
fn random_projects() {
    let Some(oracles) = oracles() else {
        return;
    };
    let cases = env_u64("REVGUARD_DJANGO_CASES").unwrap_or(2000) as usize;
    let seed = env_u64("REVGUARD_DJANGO_SEED").unwrap_or(DEFAULT_SEED);
    let dir = tempfile::Builder::new()
        .prefix("revguard-django-")
        .tempdir()
        .expect("temporary directory");
    let root = dir.path();
    for name in generate::LABELS {
        std::fs::create_dir_all(root.join(name)).expect("stub app");
        std::fs::write(root.join(name).join("__init__.py"), "").expect("stub app");
    }
    let mut rng = Rng::new(seed);
    let projects: Vec<generate::GenProject> = (0..cases)
        .map(|id| {
            let mut case = rng.fork();
            let project = generate::project(id, &mut case);
            generate::write(&project, root, &mut case).expect("write a project");
            project
        })
        .collect();
    let mut batches = Vec::new();
    for (i, chunk) in projects.chunks(BATCH).enumerate() {
        let path = root.join(format!("batch{i}.json"));
        std::fs::write(&path, batch_json(root, chunk)).expect("batch file");
        batches.push(path);
    }
    let mut disagreements = Vec::new();
    let mut tally = Tally::default();
    for (version, python) in &oracles {
        let results: BTreeMap<u64, serde_json::Value> = batches
            .iter()
            .flat_map(|batch| run_oracle(python, batch))
            .collect();
        assert_eq!(results.len(), projects.len(), "one result per project");
        for project in &projects {
            let ours = django::load(&revguard_project(root, project));
            let theirs = &results[&(project.id as u64)];
            tally.count(theirs);
            if let Err(why) = compare(&ours, theirs) {
                disagreements.push(format!("Django {version}, project p{}: {why}", project.id));
            }
        }
    }
    eprintln!(
        "django differential: {} projects x {} Django versions; {tally}; {} disagreements",
        projects.len(),
        oracles.len(),
        disagreements.len()
    );
    if std::env::var_os("REVGUARD_DJANGO_KEEP").is_some() || !disagreements.is_empty() {
        let kept = dir.keep();
        eprintln!("projects kept in {}", kept.display());
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements with real Django, first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// How many projects ended in each outcome (so a generator that stops
/// producing a shape is seen).
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    fn count(&mut self, theirs: &serde_json::Value) {
        let outcome = match theirs["error"]["type"].as_str() {
            Some(kind) => kind.to_string(),
            None if theirs["conflicts"]
                .as_object()
                .is_some_and(|c| !c.is_empty()) =>
            {
                "conflicts".into()
            }
            None => "ok".into(),
        };
        *self.0.entry(outcome).or_default() += 1;
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        write!(f, "{}", parts.join(", "))
    }
}

fn compare(ours: &Loaded, theirs: &serde_json::Value) -> Result<(), String> {
    let error = &theirs["error"];
    let kind = error["type"].as_str();
    let message = error["message"].as_str().unwrap_or("");
    match kind {
        None | Some("InconsistentMigrationHistory") => {
            if !ours.errors.is_empty() {
                return Err(format!(
                    "Django loads the graph, revguard: {:?}",
                    ours.errors
                ));
            }
            compare_loaded(ours, theirs, kind.map(|_| message))
        }
        Some("CircularDependencyError") => compare_cycle(ours, message),
        Some(kind) => {
            let found = ours
                .errors
                .iter()
                .any(|e| e.exception() == kind && e.message() == message);
            if found {
                Ok(())
            } else {
                Err(format!(
                    "Django raises {kind}: {message:?}; revguard: {:?}",
                    ours.errors
                        .iter()
                        .map(|e| format!("{}: {}", e.exception(), e.message()))
                        .collect::<Vec<_>>()
                ))
            }
        }
    }
}

fn compare_loaded(
    ours: &Loaded,
    theirs: &serde_json::Value,
    inconsistent: Option<&str>,
) -> Result<(), String> {
    let leaves: BTreeMap<String, Vec<String>> =
        serde_json::from_value(theirs["leaves"].clone()).map_err(|e| e.to_string())?;
    if leaves != ours.leaves {
        return Err(format!(
            "leaves: Django {leaves:?}, revguard {:?}",
            ours.leaves
        ));
    }
    let ours_inconsistent: Vec<String> =
        ours.inconsistent.iter().map(DjangoError::message).collect();
    match inconsistent {
        Some(message) if !ours_inconsistent.iter().any(|m| m == message) => {
            return Err(format!(
                "Django: {message:?}; revguard: {ours_inconsistent:?}"
            ));
        }
        Some(_) => return Ok(()),
        None if !ours_inconsistent.is_empty() => {
            return Err(format!(
                "Django finds the history consistent, revguard: {ours_inconsistent:?}"
            ));
        }
        None => {}
    }
    let conflicts: BTreeMap<String, Vec<String>> =
        serde_json::from_value(theirs["conflicts"].clone()).map_err(|e| e.to_string())?;
    if conflicts != ours.conflicts {
        return Err(format!(
            "conflicts: Django {conflicts:?}, revguard {:?}",
            ours.conflicts
        ));
    }
    let plan: Vec<(String, String)> =
        serde_json::from_value(theirs["plan"].clone()).map_err(|e| e.to_string())?;
    let ours_plan: Vec<(String, String)> = ours
        .plan
        .iter()
        .map(|k| (k.app.clone(), k.name.clone()))
        .collect();
    if plan != ours_plan {
        return Err(format!("plan: Django {plan:?}, revguard {ours_plan:?}"));
    }
    Ok(())
}

fn compare_cycle(ours: &Loaded, message: &str) -> Result<(), String> {
    let [DjangoError::CircularDependency { cycle, component }] = ours.errors.as_slice() else {
        return Err(format!(
            "Django raises CircularDependencyError: {message:?}; revguard: {:?}",
            ours.errors
        ));
    };
    let theirs: Vec<Key> = message
        .split(", ")
        .filter_map(|node| node.split_once('.').map(|(a, n)| Key::new(a, n)))
        .collect();
    // Django's walk starts where its set iteration does, so it may name
    // another cycle through the same strongly connected component.
    let inside = !theirs.is_empty() && theirs.iter().all(|k| component.contains(k));
    if inside {
        Ok(())
    } else {
        Err(format!(
            "Django's cycle {message:?} is not one revguard sees: cycle {cycle:?}, component {component:?}"
        ))
    }
}

/// `revguard check` on the Django deploy-safety example: squawk's findings
/// on the operations' lines, and Django's refusal of `AddIndexConcurrently`
/// in an atomic migration as the error that fails the check; the JSON
/// carries each migration's lint; `--deploy-safety off` leaves the graph's
/// verdict alone.
#[test]
fn example_deploy_safety() {
    let example = support::repo().join("examples/django-deploy-safety");
    let out = support::cli::run(&example, &["check", "."], &[]);
    let text = support::stdout(&out);
    assert_eq!(support::code(&out), 1, "{text}");
    insta::assert_snapshot!("django_deploy_safety_human", text);
    let json = support::cli::run(&example, &["check", "--format", "json", "."], &[]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("the JSON report");
    let linted: Vec<&str> = report["safety"]
        .as_array()
        .expect("safety")
        .iter()
        .map(|m| m["migration"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(linted, ["0002_product_sku", "0003_product_name_index"]);
    let off = support::cli::run(&example, &["check", "--deploy-safety", "off", "."], &[]);
    assert_eq!(support::code(&off), 0, "{}", support::stdout(&off));
}

/// `revguard check --dialect django` on the bundled example names both
/// leaves with their files and the fix, and says what real Django says.
#[test]
fn example_leaf_conflict() {
    let example = support::repo().join("examples/django-leaf-conflict");
    let args = [
        "check",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
        ".",
    ];
    let out = support::cli::run(&example, &args, &[]);
    let text = support::stdout(&out);
    assert_eq!(support::code(&out), 1, "{text}");
    for expected in [
        "error[multiple-leaves]: Django app `billing` has 2 leaf migrations",
        "`billing/migrations/0003_invoice_currency.py` and `billing/migrations/0003_invoice_due_date.py`",
        "python manage.py makemigrations --merge",
        "note: assumed installed (outside the repository): auth.0012_alter_user_first_name_max_length",
        "failed: 3 apps, 6 migrations; manage.py migrate: fails",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let json = support::cli::run(
        &example,
        &[&args[..5], &["--format", "json", "."]].concat(),
        &[],
    );
    let value: serde_json::Value = serde_json::from_str(&support::stdout(&json)).expect("JSON");
    assert_eq!(
        value["loaded"]["conflicts"]["billing"],
        serde_json::json!(["0003_invoice_currency", "0003_invoice_due_date"])
    );
    assert_eq!(value["apps"][2]["label"], "storefront");
    // `dialect` and `[django] user-model` in revguard.toml do what the flags do.
    let configured = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(&example, configured.path());
    std::fs::write(
        configured.path().join("revguard.toml"),
        "dialect = \"django\"\n[django]\nuser-model = \"accounts.User\"\n",
    )
    .expect("write revguard.toml");
    let from_config = support::cli::run(configured.path(), &["check", "."], &[]);
    assert_eq!(support::stdout(&from_config), text);
    assert_eq!(support::code(&from_config), 1);
    // Real Django on a copy (it writes db.sqlite3) says the same.
    let Some(oracles) = oracles() else {
        return;
    };
    for (version, python) in oracles {
        let copy = tempfile::tempdir().expect("temporary directory");
        support::fs::copy_dir(&example, copy.path());
        let django = Command::new(&python)
            .args(["manage.py", "migrate", "--plan"])
            .current_dir(copy.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run manage.py");
        let said = String::from_utf8_lossy(&django.stderr);
        let line = "Conflicting migrations detected; multiple leaf nodes in the migration graph: (0003_invoice_currency, 0003_invoice_due_date in billing).";
        assert!(said.contains(line), "Django {version}: {said}");
        assert!(text.contains(line), "{text}");
    }
}

/// A migration of `app` depending on `parent` (same app).
fn write_child(root: &Path, dir: &str, name: &str, app: &str, parent: &str) {
    let text = format!(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n        (\"{app}\", \"{parent}\"),\n    ]\n\n    operations = []\n"
    );
    std::fs::write(root.join(dir).join(format!("{name}.py")), text).expect("write a migration");
}

/// A third leaf in `billing` and a second conflicting app, `accounts`.
fn widen(root: &Path) {
    write_child(
        root,
        "billing/migrations",
        "0003_invoice_notes",
        "billing",
        "0002_invoice_total",
    );
    write_child(
        root,
        "accounts/migrations",
        "0002_a",
        "accounts",
        "0001_initial",
    );
    write_child(
        root,
        "accounts/migrations",
        "0002_b",
        "accounts",
        "0001_initial",
    );
}

/// `revguard fix --dialect django`: a dry run prints the merge migrations
/// and writes nothing; `--write` creates exactly what `makemigrations
/// --merge --no-header` creates, after which revguard and real Django see
/// one leaf per app. A graph that does not load is refused untouched.
#[test]
fn fix_writes_djangos_merge_migrations() {
    let example = support::repo().join("examples/django-leaf-conflict");
    let fix = [
        "fix",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
    ];
    let check = [
        "check",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
        ".",
    ];
    // Two shapes: the example (two leaves in one app), and three leaves in
    // one app plus a second conflicting app.
    let simple = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(&example, simple.path());
    let wide = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(&example, wide.path());
    widen(wide.path());
    let expected: [(&Path, &[&str]); 2] = [
        (
            simple.path(),
            &["billing/migrations/0004_merge_0003_invoice_currency_0003_invoice_due_date.py"],
        ),
        (
            wide.path(),
            &[
                "accounts/migrations/0003_merge_0002_a_0002_b.py",
                "billing/migrations/0004_merge_20",
            ],
        ),
    ];
    for (dir, files) in expected {
        let before = support::cli::run(dir, &check, &[]);
        assert_eq!(support::code(&before), 1, "{}", support::stdout(&before));
        let dry = support::cli::run(dir, &[&fix[..], &["."]].concat(), &[]);
        let diff = support::stdout(&dry);
        assert_eq!(support::code(&dry), 1, "a dry run with changes exits 1");
        for file in files {
            assert!(
                diff.contains(&format!("+++ b/{file}")),
                "{file} in:\n{diff}"
            );
        }
        assert_eq!(
            support::cli::run(dir, &check, &[]).stdout,
            before.stdout,
            "the dry run wrote nothing"
        );
        let written = support::cli::run(dir, &[&fix[..], &["--write", "."]].concat(), &[]);
        assert_eq!(
            support::code(&written),
            0,
            "{}",
            String::from_utf8_lossy(&written.stderr)
        );
        let after = support::cli::run(dir, &check, &[]);
        assert_eq!(support::code(&after), 0, "{}", support::stdout(&after));
        let again = support::cli::run(dir, &[&fix[..], &["."]].concat(), &[]);
        assert_eq!(support::code(&again), 0, "nothing left to fix");
    }
    // A graph that does not load: refused, nothing written.
    let broken = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(&example, broken.path());
    write_child(
        broken.path(),
        "billing/migrations",
        "0004_gone",
        "billing",
        "0003_nowhere",
    );
    let refused = support::cli::run(broken.path(), &[&fix[..], &["--write", "."]].concat(), &[]);
    assert_eq!(support::code(&refused), 1);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("NodeNotFoundError"), "{said}");
    let names: Vec<String> = std::fs::read_dir(broken.path().join("billing/migrations"))
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("merge")), "{names:?}");
    // Real Django: the same bytes as its own merge, and one leaf per app.
    django_agrees_with_fix(&example, simple.path(), wide.path());
}

/// Real Django merges the same shapes into the same bytes (names included,
/// but for the timestamped one) and runs `migrate --plan` on revguard's fix.
fn django_agrees_with_fix(example: &Path, simple: &Path, wide: &Path) {
    let Some(oracles) = oracles() else {
        return;
    };
    for (version, python) in oracles {
        for dir in [simple, wide] {
            let theirs = tempfile::tempdir().expect("temporary directory");
            support::fs::copy_dir(example, theirs.path());
            if dir == wide {
                // Same shape, before the fix.
                widen(theirs.path());
            }
            let django = |args: &[&str], at: &Path| {
                Command::new(&python)
                    .args(args)
                    .current_dir(at)
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .output()
                    .expect("run manage.py")
            };
            let merged = django(
                &[
                    "manage.py",
                    "makemigrations",
                    "--merge",
                    "--noinput",
                    "--no-header",
                ],
                theirs.path(),
            );
            assert!(
                merged.status.success(),
                "Django {version}: {}",
                String::from_utf8_lossy(&merged.stderr)
            );
            for app in ["accounts", "billing"] {
                let ours = merge_files(&dir.join(app).join("migrations"));
                let django_files = merge_files(&theirs.path().join(app).join("migrations"));
                if dir == simple || app == "accounts" {
                    assert_eq!(ours, django_files, "Django {version}: {app}");
                } else {
                    // A timestamped name: the minute may differ, the text may not.
                    let texts = |v: &[(String, Vec<u8>)]| {
                        v.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>()
                    };
                    assert_eq!(
                        texts(&ours),
                        texts(&django_files),
                        "Django {version}: {app}"
                    );
                }
            }
            let plan = django(&["manage.py", "migrate", "--plan"], dir);
            assert!(
                plan.status.success(),
                "Django {version} on the fixed project: {}",
                String::from_utf8_lossy(&plan.stderr)
            );
            let _ = std::fs::remove_file(dir.join("db.sqlite3"));
        }
    }
}

/// The merge migrations in a migrations directory: name and bytes.
fn merge_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("_merge_"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    out.sort();
    out
}

/// The `app.name` keys of a JSON report's planned migrations.
fn plan_in_report(value: &serde_json::Value) -> Vec<String> {
    value["loaded"]["plan"]
        .as_array()
        .expect("a plan")
        .iter()
        .map(|k| {
            format!(
                "{}.{}",
                k["app"].as_str().unwrap_or(""),
                k["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The migrations `manage.py migrate --plan` lists, one `app.name` each.
fn planned_by_django(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Planned operations"))
        .skip(1)
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `check --dialect django --database-url`: the applied set comes from
/// `django_migrations`, read-only; on a database real Django migrated part
/// of the way, revguard's plan is `migrate --plan`'s, and a row applied
/// before its dependency is Django's InconsistentMigrationHistory, word
/// for word.
#[test]
fn database_url_reads_django_migrations() {
    let Some(oracles) = oracles() else {
        return;
    };
    let example = support::repo().join("examples/django-leaf-conflict");
    for (version, python) in oracles {
        let dir = tempfile::tempdir().expect("temporary directory");
        support::fs::copy_dir(&example, dir.path());
        let fix = [
            "fix",
            "--dialect",
            "django",
            "--user-model",
            "accounts.User",
            "--write",
            ".",
        ];
        assert_eq!(support::code(&support::cli::run(dir.path(), &fix, &[])), 0);
        let django = |args: &[&str]| {
            Command::new(&python)
                .args(args)
                .current_dir(dir.path())
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .output()
                .expect("run python")
        };
        let migrated = django(&["manage.py", "migrate", "billing", "0002"]);
        assert!(
            migrated.status.success(),
            "Django {version}: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        let before = std::fs::read(dir.path().join("db.sqlite3")).expect("the database");
        let check = |format: &str| {
            support::cli::run(
                dir.path(),
                &[
                    "check",
                    "--dialect",
                    "django",
                    "--user-model",
                    "accounts.User",
                    "--database-url",
                    "sqlite:///db.sqlite3",
                    "--format",
                    format,
                    ".",
                ],
                &[],
            )
        };
        let json = check("json");
        assert_eq!(support::code(&json), 0, "{}", support::stdout(&json));
        let value: serde_json::Value = serde_json::from_str(&support::stdout(&json)).expect("JSON");
        let ours = plan_in_report(&value);
        let planned = django(&["manage.py", "migrate", "--plan"]);
        let text = String::from_utf8_lossy(&planned.stdout);
        let theirs = planned_by_django(&text);
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "Django {version}:\n{text}");
        assert_eq!(
            std::fs::read(dir.path().join("db.sqlite3")).expect("db"),
            before,
            "read-only"
        );
        // A row applied before its dependency.
        let broken = django(&[
            "-c",
            "import sqlite3; c = sqlite3.connect('db.sqlite3'); \
             c.execute(\"insert into django_migrations(app, name, applied) values ('billing', '0003_invoice_due_date', '2026-01-01')\"); \
             c.execute(\"delete from django_migrations where app = 'billing' and name = '0002_invoice_total'\"); c.commit()",
        ]);
        assert!(
            broken.status.success(),
            "{}",
            String::from_utf8_lossy(&broken.stderr)
        );
        let human = check("human");
        assert_eq!(support::code(&human), 1);
        let said = String::from_utf8_lossy(&django(&["manage.py", "migrate", "--plan"]).stderr)
            .into_owned();
        let line = "InconsistentMigrationHistory: Migration billing.0003_invoice_due_date is applied before its dependency billing.0002_invoice_total on database 'default'.";
        assert!(said.contains(line), "Django {version}: {said}");
        assert!(
            support::stdout(&human).contains(line),
            "{}",
            support::stdout(&human)
        );
        let sarif = support::stdout(&check("sarif"));
        assert!(sarif.contains("\"ruleId\": \"RG308\""), "{sarif}");
    }
}
