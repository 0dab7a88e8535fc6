//! A repository holding several migration histories: an Alembic service, a
//! Django site and a sqlx service. `revguard check` at its root finds each
//! (no `--dialect`: `alembic.ini`, `manage.py`, sqlx's `migrations/`),
//! checks each exactly as `check <path> --dialect <tool>` does, and reports
//! them together in every format; the exit code is the worst.

use std::path::Path;

use revguard_test_support as support;

fn repository() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (example, place) in [
        ("deploy-safety", "services/api"),
        ("django-leaf-conflict", "web"),
        ("sqlx-duplicate-version", "services/ledger"),
    ] {
        let to = tmp.path().join(place);
        std::fs::create_dir_all(&to).unwrap();
        support::fs::copy_dir(&support::repo().join("examples").join(example), &to);
    }
    std::fs::write(tmp.path().join("README.md"), "three services\n").unwrap();
    tmp
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = support::cli::run(dir, args, &[]);
    (
        support::code(&out),
        support::stdout(&out) + &support::stderr(&out),
    )
}

#[test]
fn each_history_is_found_checked_and_reported() {
    let repo = repository();
    let dir = repo.path();
    let (code, human) = run(dir, &["check", "--color", "never", "."]);
    assert_eq!(code, 1, "{human}");
    let headers: Vec<&str> = human.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        headers,
        [
            "== alembic: services/api ==",
            "== sqlx: services/ledger ==",
            "== django: web ==",
        ]
    );
    insta::assert_snapshot!("several_histories_human", human);

    // Each part is what checking that history alone gives.
    let (_, json) = run(dir, &["check", "--format", "json", "."]);
    let combined: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let histories = combined["histories"].as_array().expect("histories");
    assert_eq!(histories.len(), 3);
    for history in histories {
        let path = history["path"].as_str().unwrap();
        let dialect = history["dialect"].as_str().unwrap();
        let (code, alone) = run(
            dir,
            &["check", "--format", "json", "--dialect", dialect, path],
        );
        let alone: serde_json::Value = serde_json::from_str(&alone).expect("JSON");
        assert_eq!(history["report"], alone, "{dialect} at {path}");
        assert_eq!(history["exit_code"], code, "{dialect} at {path}");
    }

    let (_, sarif) = run(dir, &["check", "--format", "sarif", "."]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF");
    assert_eq!(sarif["runs"].as_array().map(Vec::len), Some(3));
    // Machine formats give the repository's paths.
    let (_, github) = run(dir, &["check", "--format", "github", "."]);
    assert!(
        github.contains(",file=services/ledger/migrations/"),
        "{github}"
    );
    assert!(github.contains(",file=web/billing/migrations/"), "{github}");
    // A flag that names one history's state is refused, not given to all.
    let (code, refused) = run(dir, &["check", "--database-url", "sqlite:///x.db", "."]);
    assert_eq!(code, 2, "{refused}");
    assert!(refused.contains("3 migration histories found"), "{refused}");
    let (_, junit) = run(dir, &["check", "--format", "junit", "."]);
    assert_eq!(junit.matches("<testsuites").count(), 1, "{junit}");
    assert!(junit.contains("<testsuite name=\"web "), "{junit}");
    assert!(
        junit.contains("<testsuite name=\"services/ledger "),
        "{junit}"
    );
}

#[test]
fn a_django_project_is_detected_without_dialect() {
    let repo = repository();
    let web = repo.path().join("web");
    let (detected, text) = run(&web, &["check", "--format", "json", "."]);
    let (given, _) = run(
        &web,
        &["check", "--format", "json", "--dialect", "django", "."],
    );
    assert_eq!(detected, given, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(report["dialect"], "django");
}
