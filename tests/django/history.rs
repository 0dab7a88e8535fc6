//! Django's lock and history checks: `revguard lock --dialect django`, then
//! `check` against the lock, `--deployed` and `--base`, each finding in
//! Django's words; the inserted-below case is held to real Django's
//! `InconsistentMigrationHistory` on a migrated SQLite database.

use std::path::Path;
use std::process::Command;

use revguard_test_support as support;

const DJANGO: [&str; 4] = ["--dialect", "django", "--user-model", "accounts.User"];

/// The example with its conflict resolved by dropping one leaf: one leaf
/// per app, so it can be locked.
fn healthy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(
        &support::repo().join("examples/django-leaf-conflict"),
        dir.path(),
    );
    std::fs::remove_file(
        dir.path()
            .join("billing/migrations/0003_invoice_due_date.py"),
    )
    .expect("remove a leaf");
    dir
}

fn run(dir: &Path, command: &str, extra: &[&str]) -> (i32, String) {
    let args: Vec<&str> = [&[command][..], &DJANGO[..], extra, &["."][..]].concat();
    let out = support::cli::run(dir, &args, &[]);
    let text = support::stdout(&out) + &support::stderr(&out);
    (support::code(&out), text)
}

fn locked() -> tempfile::TempDir {
    let dir = healthy();
    let (code, text) = run(dir.path(), "lock", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("wrote revguard.lock (5 migrations in 3 apps)"),
        "{text}"
    );
    dir
}

/// A migration of `billing` with the given dependencies and `run_before`.
fn write_billing(dir: &Path, name: &str, dependencies: &str, run_before: &str) {
    let text = format!(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [{dependencies}]\n\n    run_before = [{run_before}]\n\n    operations = []\n"
    );
    std::fs::write(
        dir.join("billing/migrations").join(format!("{name}.py")),
        text,
    )
    .expect("write a migration");
}

#[test]
fn lock_is_written_verified_and_clean() {
    let dir = locked();
    let lock = std::fs::read_to_string(dir.path().join("revguard.lock")).expect("lock");
    insta::assert_snapshot!("django_lock_file", lock);
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(dir.path(), "lock", &["--check"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("is up to date (5 migrations in 3 apps)"),
        "{text}"
    );
    // A new migration on the leaf is fine; the lock asks for a relock.
    write_billing(
        dir.path(),
        "0004_invoice_notes",
        "(\"billing\", \"0003_invoice_currency\")",
        "",
    );
    assert_eq!(run(dir.path(), "check", &[]).0, 0);
    let (code, text) = run(dir.path(), "lock", &["--check"]);
    assert_eq!(code, 1);
    assert!(text.contains("out of date"), "{text}");
    // A graph with two leaves in an app is not locked.
    write_billing(
        dir.path(),
        "0004_invoice_terms",
        "(\"billing\", \"0003_invoice_currency\")",
        "",
    );
    let (code, text) = run(dir.path(), "lock", &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("cannot lock: Conflicting migrations detected"),
        "{text}"
    );
}

#[test]
fn edited_and_removed_migrations_are_caught() {
    let dir = locked();
    let path = dir.path().join("billing/migrations/0002_invoice_total.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("operations = []", "operations = []  # v2"),
    )
    .expect("write");
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1, "{text}");
    insta::assert_snapshot!("django_edited", text);
    std::fs::remove_file(
        dir.path()
            .join("billing/migrations/0003_invoice_currency.py"),
    )
    .expect("remove");
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1);
    assert!(
        text.contains("error[history-rewritten]: migration `billing.0003_invoice_currency`, recorded in revguard.lock, is no longer in the repository"),
        "{text}"
    );
    // CRLF line endings are not an edit.
    let path = dir.path().join("shop/migrations/0001_initial.py");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace('\n', "\r\n")).expect("write");
    let (_, text) = run(dir.path(), "check", &[]);
    assert!(!text.contains("`shop.0001_initial` was edited"), "{text}");
}

#[test]
fn a_fork_of_the_locked_history_is_caught() {
    let dir = locked();
    write_billing(
        dir.path(),
        "0003_invoice_due_date",
        "(\"billing\", \"0002_invoice_total\")",
        "",
    );
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[multiple-leaves]"), "{text}");
    insta::assert_snapshot!("django_fork", text);
}

#[test]
fn a_lock_that_does_not_read_is_a_finding() {
    let dir = locked();
    let path = dir.path().join("revguard.lock");
    let lock = std::fs::read_to_string(&path).expect("lock");
    let conflicted = lock.replace(
        "leaf billing.0003_invoice_currency\n",
        "<<<<<<< HEAD\nleaf billing.0003_invoice_currency\n=======\nleaf billing.0003_invoice_due_date\n>>>>>>> branch\n",
    );
    std::fs::write(&path, conflicted).expect("write");
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("django_invalid_lock", text);
    // Alembic's lock format in a Django project.
    std::fs::write(&path, "# revguard-lock v1\nhead -\n").expect("write");
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1);
    assert!(
        text.contains("unsupported lock format `# revguard-lock v1` for a Django project"),
        "{text}"
    );
    // A hand-merged lock that kept both sides.
    let both = lock.replace(
        "leaf billing.0003_invoice_currency\n",
        &format!(
            "billing.0003_invoice_due_date billing.0002_invoice_total sha256:{} billing/migrations/0003_invoice_due_date.py\nleaf billing.0003_invoice_currency\n",
            "0".repeat(64)
        ),
    );
    std::fs::write(&path, both).expect("write");
    let (_, text) = run(dir.path(), "check", &[]);
    assert!(
        text.contains("but app `billing`'s migrations above it end in"),
        "{text}"
    );
}

/// `--deployed` counts the named migrations and their ancestors as applied.
/// What is new is what the lock (or `--base`) does not record: `--deployed`
/// alone cannot tell a migration inserted below from one that was always
/// there, since the new one is an ancestor of the deployed one too.
#[test]
fn deployed_names_applied_migrations() {
    let dir = healthy();
    let (code, text) = run(
        dir.path(),
        "check",
        &["--deployed", "billing.0003_invoice_currency"],
    );
    assert_eq!(code, 0, "{text}");
    let dir = locked();
    write_billing(
        dir.path(),
        "0002_backfill_totals",
        "(\"billing\", \"0001_initial\")",
        "(\"billing\", \"0002_invoice_total\")",
    );
    let (code, text) = run(
        dir.path(),
        "check",
        &["--deployed", "billing.0003_invoice_currency"],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[inserted-below-deployed]: new migration `billing.0002_backfill_totals` is inserted below `billing.0002_invoice_total`, recorded in revguard.lock"), "{text}");
    let (code, text) = run(dir.path(), "check", &["--deployed", "billing.0009_nope"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("error[deployed-revision-missing]: --deployed names `billing.0009_nope`"),
        "{text}"
    );
    let (code, text) = run(dir.path(), "check", &["--deployed", "nope"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("--deployed nope: give Django migrations as `app.name`"),
        "{text}"
    );
}

#[test]
fn base_ref_is_the_recorded_history() {
    let dir = healthy();
    let root = dir.path();
    support::git::ok(root, &["init", "-q", "-b", "main"]);
    support::git::ok(root, &["add", "-A"]);
    support::git::ok(root, &["commit", "-q", "-m", "base"]);
    assert_eq!(run(root, "check", &["--base", "main"]).0, 0);
    write_billing(
        root,
        "0003_invoice_due_date",
        "(\"billing\", \"0002_invoice_total\")",
        "",
    );
    let (code, text) = run(root, "check", &["--base", "main"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[forks-locked-history]: new migration `billing.0003_invoice_due_date` depends on `billing.0002_invoice_total`, not on the recorded leaf `billing.0003_invoice_currency` of app `billing`"), "{text}");
    assert!(text.contains("recorded in `main`"), "{text}");
    let (code, text) = run(root, "check", &["--base", "no-such-ref"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("--base no-such-ref: no such commit"),
        "{text}"
    );
}

/// Inserted below the lock: revguard's note is Django's exception, word for
/// word, on a database that applied the locked migrations.
#[test]
fn inserted_below_the_lock_is_djangos_inconsistent_history() {
    let dir = locked();
    write_billing(
        dir.path(),
        "0002_backfill_totals",
        "(\"billing\", \"0001_initial\")",
        "(\"billing\", \"0002_invoice_total\")",
    );
    let (code, text) = run(dir.path(), "check", &[]);
    assert_eq!(code, 1, "{text}");
    insta::assert_snapshot!("django_inserted_below", text);
    let line = "InconsistentMigrationHistory: Migration billing.0002_invoice_total is applied before its dependency billing.0002_backfill_totals on database 'default'.";
    assert!(text.contains(line), "{text}");
    let sarif = support::stdout(&support::cli::run(
        dir.path(),
        &[&["check"][..], &DJANGO[..], &["--format", "sarif", "."][..]].concat(),
        &[],
    ));
    assert!(sarif.contains("\"ruleId\": \"RG301\""), "{sarif}");
    let Some(oracles) = crate::oracles() else {
        return;
    };
    for (version, python) in oracles {
        let copy = locked();
        let django = |args: &[&str]| {
            Command::new(&python)
                .args(args)
                .current_dir(copy.path())
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .output()
                .expect("run python")
        };
        let migrated = django(&["manage.py", "migrate"]);
        assert!(
            migrated.status.success(),
            "Django {version}: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        write_billing(
            copy.path(),
            "0002_backfill_totals",
            "(\"billing\", \"0001_initial\")",
            "(\"billing\", \"0002_invoice_total\")",
        );
        let said = String::from_utf8_lossy(&django(&["manage.py", "migrate", "--plan"]).stderr)
            .into_owned();
        assert!(said.contains(line), "Django {version}: {said}");
    }
}
