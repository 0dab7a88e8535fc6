//! SQLite: the embedded engine, on real database files.

use std::time::{Duration, Instant};

use crate::{chain, code, copy_dir, repo, revguard, revguard_env, sqlite_db, stderr, stdout};

fn check(dir: &std::path::Path, url: &str) -> std::process::Output {
    revguard(
        dir,
        &["check", "--engine", "native", "--database-url", url, "."],
    )
}

#[test]
fn incident_database_at_043_is_byte_identical_afterwards() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("examples/incident-443"), tmp.path());
    let db = tmp.path().join("production.db");
    let before = std::fs::read(&db).expect("db");
    let out = check(tmp.path(), "sqlite:///production.db");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&db).expect("db"),
        before,
        "the database changed"
    );
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.starts_with("production.db"))
        .collect();
    assert_eq!(names, ["production.db"], "no journal or WAL left behind");
    insta::assert_snapshot!("incident_database", stdout(&out));
}

#[test]
fn upgrade_plan_from_the_database_in_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    sqlite_db(&tmp.path().join("app.db"), &["a"]);
    let out = check(tmp.path(), "sqlite:///app.db");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("`alembic upgrade head` from `a` runs 2 migrations, in order: `b`, `c`"),
        "{text}"
    );
    assert!(text.contains("the database is at `a`"), "{text}");
    // The absolute form (four slashes) reads the same file.
    let abs = format!("sqlite:///{}", tmp.path().join("app.db").display());
    assert!(abs.starts_with("sqlite:////"));
    let out = check(tmp.path(), &abs);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("runs 2 migrations"));
}

#[test]
fn empty_table_is_a_fresh_database_and_the_whole_history_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    sqlite_db(&tmp.path().join("app.db"), &[]);
    let out = check(tmp.path(), "sqlite:///app.db");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("is empty: a fresh database"), "{text}");
    assert!(
        text.contains("from an empty version table (a fresh database) runs 3 migrations, in order: `a`, `b`, `c`"),
        "{text}"
    );
}

#[test]
fn two_rows_and_an_unknown_revision() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    sqlite_db(&tmp.path().join("two.db"), &["b", "c"]);
    let out = check(tmp.path(), "sqlite:///two.db");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("error[database-state]: the version table has 2 rows: `b` and `c`"),
        "{text}"
    );
    assert!(text.contains("`b` is below `c`"), "{text}");

    sqlite_db(&tmp.path().join("gone.db"), &["d1ff"]);
    let out = check(tmp.path(), "sqlite:///gone.db");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("error[deployed-revision-missing]: the database's revision `d1ff` is not declared by any migration file"),
        "{text}"
    );
    assert!(
        text.contains("read from `alembic_version` in sqlite:///gone.db"),
        "{text}"
    );
}

#[test]
fn json_and_sarif_carry_the_new_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("examples/incident-443"), tmp.path());
    for format in ["json", "sarif"] {
        let out = revguard(
            tmp.path(),
            &[
                "check",
                "--engine",
                "native",
                "--format",
                format,
                "--database-url",
                "sqlite:///production.db",
                ".",
            ],
        );
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let text = stdout(&out);
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(value.is_object());
        assert!(
            text.contains("never-runs") && text.contains("RG309"),
            "{format}: {text}"
        );
        assert!(text.contains("database-state"), "{format}");
    }
}

#[test]
fn explain_covers_the_new_checks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["database-state", "RG309"] {
        let out = revguard(tmp.path(), &["explain", name]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(stdout(&out).contains("--database-url"), "{}", stdout(&out));
    }
}

#[test]
fn env_variable_and_from_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), Some("sqlite:///%(here)s/app.db"));
    sqlite_db(&tmp.path().join("app.db"), &["b"]);
    // Without being asked, a plain check never opens the configured database.
    let out = revguard(tmp.path(), &["check", "--engine", "native", "."]);
    assert_eq!(code(&out), 0);
    assert!(!stdout(&out).contains("database"), "{}", stdout(&out));
    let out = check(tmp.path(), "from-config");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("from `b` runs 1 migration, in order: `c`"),
        "{}",
        stdout(&out)
    );
    let out = revguard_env(
        tmp.path(),
        &["check", "--engine", "native", "."],
        &[("REVGUARD_DATABASE_URL", "sqlite:///app.db")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("the database is at `b`"));
}

#[test]
fn clear_errors_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    // A wrong path is an error, and no file is created.
    let out = check(tmp.path(), "sqlite:///nope.db");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no SQLite database at nope.db"),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("nope.db").exists());
    // A database without the version table.
    rusqlite::Connection::open(tmp.path().join("other.db"))
        .expect("db")
        .execute("CREATE TABLE t (x)", [])
        .expect("table");
    let out = check(tmp.path(), "sqlite:///other.db");
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!("missing_table", stderr(&out));
    // --version-table names another table.
    sqlite_db(&tmp.path().join("app.db"), &["c"]);
    let out = revguard(
        tmp.path(),
        &[
            "check",
            "--engine",
            "native",
            "--database-url",
            "sqlite:///app.db",
            "--version-table",
            "t",
            ".",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no version table `t`"),
        "{}",
        stderr(&out)
    );
    // Not a database at all.
    std::fs::write(
        tmp.path().join("junk.db"),
        b"hello, not sqlite, definitely not sqlite",
    )
    .expect("w");
    let out = check(tmp.path(), "sqlite:///junk.db");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    // --deployed and --database-url are exclusive.
    let out = revguard(
        tmp.path(),
        &[
            "check",
            "--deployed",
            "a",
            "--database-url",
            "sqlite:///app.db",
            ".",
        ],
    );
    assert_eq!(code(&out), 2);
}

#[test]
fn passwords_never_printed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    for url in [
        "mysql+pymysql://root:hunter2@db/app",
        "mariadb://root:hunter2@db/app",
        "postgresql://root:hunter2@db:notaport/app",
        "postgresql://root:hunter2@127.0.0.1:1/app?sslmode=require",
        "postgresql://root:hunter2@127.0.0.1:1/app",
    ] {
        let out = revguard(
            tmp.path(),
            &[
                "check",
                "--database-timeout",
                "2",
                "--database-url",
                url,
                ".",
            ],
        );
        assert_eq!(code(&out), 2, "{url}");
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("root:***@"), "{all}");
    }
    let out = revguard(
        tmp.path(),
        &[
            "check",
            "--database-timeout",
            "3",
            "--database-url",
            "postgresql://root:hunter2@no-such-host.invalid/app",
            ".",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("root:***@no-such-host.invalid/app: unknown host"),
        "{}",
        stderr(&out)
    );
    let help = revguard_env(
        tmp.path(),
        &["check", "--help"],
        &[("REVGUARD_DATABASE_URL", "postgresql://u:hunter2@h/d")],
    );
    assert!(!stdout(&help).contains("hunter2"));
}

#[test]
fn silent_server_is_exit_2_within_the_timeout() {
    // A listener that accepts and never answers: the connect succeeds, the
    // startup handshake would wait forever without the guard.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let url = format!("postgresql://app:hunter2@127.0.0.1:{port}/app");
    let start = Instant::now();
    let out = revguard(
        tmp.path(),
        &[
            "check",
            "--database-timeout",
            "1",
            "--database-url",
            &url,
            ".",
        ],
    );
    let took = start.elapsed();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(
        stderr(&out).contains("app:***@127.0.0.1"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("hunter2"));
}
