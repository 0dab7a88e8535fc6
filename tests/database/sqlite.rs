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
        // The findings themselves, not the rule table SARIF always carries.
        let found: Vec<&str> = if format == "json" {
            value["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter_map(|d| d["check"].as_str())
                .collect()
        } else {
            value["runs"][0]["results"]
                .as_array()
                .expect("results")
                .iter()
                .filter_map(|r| r["ruleId"].as_str())
                .collect()
        };
        let (never_runs, database_state) = if format == "json" {
            ("never-runs", "database-state")
        } else {
            ("RG309", "RG308")
        };
        assert!(found.contains(&never_runs), "{format}: {found:?}");
        assert!(found.contains(&database_state), "{format}: {found:?}");
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
        assert!(all.contains("://***@"), "{all}");
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
        stderr(&out).contains("postgresql://***@no-such-host.invalid/app: unknown host"),
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
        stderr(&out).contains("postgresql://***@127.0.0.1"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("hunter2"));
}

/// Every file in `dir` with its length and a hash of its bytes (the
/// databases and their side files; a hash keeps a failure readable).
fn listing(dir: &std::path::Path) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash, Hasher};
    let mut files: Vec<(String, usize, u64)> = std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read");
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            (name, bytes.len(), hasher.finish())
        })
        .collect();
    files.sort();
    files
}

/// File names only (for a directory a live writer also uses).
fn names(dir: &std::path::Path) -> Vec<String> {
    listing(dir).into_iter().map(|(name, ..)| name).collect()
}

/// A WAL-mode database at `path` holding `rows`, closed cleanly (so no
/// `-wal` or `-shm` is left).
fn wal_db(path: &std::path::Path, rows: &[&str]) {
    sqlite_db(path, rows);
    let conn = rusqlite::Connection::open(path).expect("open");
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("wal");
    assert_eq!(mode, "wal");
}

#[test]
fn wal_database_is_read_without_creating_side_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let db_dir = tmp.path().join("db");
    std::fs::create_dir(&db_dir).expect("mkdir");
    wal_db(&db_dir.join("app.db"), &["b"]);
    let before = listing(&db_dir);
    assert_eq!(names(&db_dir), ["app.db"]);
    let out = check(tmp.path(), "sqlite:///db/app.db");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the database is at `b`"),
        "{}",
        stdout(&out)
    );
    assert_eq!(listing(&db_dir), before, "no -wal or -shm, no byte changed");
}

/// `revguard` run as a user that cannot write `dir`: as root (where
/// permissions are ignored) it runs as `nobody` through `runuser`; `None`
/// (with the missing-tool notice) when that is impossible.
fn revguard_without_write_access(
    dir: &std::path::Path,
    args: &[&str],
) -> Option<std::process::Output> {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let inner = crate::support::cli::revguard(dir);
    let mut command = if is_root {
        let ok = crate::support::tools::succeeds(
            std::process::Command::new("runuser").args(["-u", "nobody", "--", "true"]),
        );
        if !crate::support::tools::require(
            "runuser and a `nobody` user",
            "SQLite in a read-only directory",
            ok,
            "as root, permissions are ignored: the test drops to `nobody` with runuser",
        ) {
            return None;
        }
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(inner.get_program());
        c
    } else {
        std::process::Command::new(inner.get_program())
    };
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    // `nobody` cannot write the suite's cache; a fresh one it can.
    let cache = tempfile::tempdir().expect("cache dir");
    let mut mode = std::fs::metadata(cache.path()).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o777);
    std::fs::set_permissions(cache.path(), mode).expect("chmod");
    command.env("REVGUARD_CACHE_DIR", cache.path());
    Some(
        command
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run revguard"),
    )
}

fn chmod(path: &std::path::Path, mode: u32) {
    let mut permissions = std::fs::metadata(path).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, mode);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

#[test]
fn wal_database_in_a_read_only_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let db_dir = tmp.path().join("db");
    std::fs::create_dir(&db_dir).expect("mkdir");
    wal_db(&db_dir.join("app.db"), &["b"]);
    let before = listing(&db_dir);
    chmod(tmp.path(), 0o755);
    chmod(&db_dir.join("app.db"), 0o444);
    chmod(&db_dir, 0o555);
    let out = revguard_without_write_access(
        tmp.path(),
        &[
            "check",
            "--engine",
            "native",
            "--database-url",
            "sqlite:///db/app.db",
            ".",
        ],
    );
    chmod(&db_dir, 0o755);
    let Some(out) = out else { return };
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the database is at `b`"),
        "{}",
        stdout(&out)
    );
    assert_eq!(listing(&db_dir), before);
}

#[test]
fn a_writer_holding_a_transaction_open() {
    for wal in [true, false] {
        let tmp = tempfile::tempdir().expect("tempdir");
        chain(tmp.path(), None);
        let db = tmp.path().join("app.db");
        if wal {
            wal_db(&db, &["a"]);
        } else {
            sqlite_db(&db, &["a"]);
        }
        let writer = rusqlite::Connection::open(&db).expect("writer");
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint=0; UPDATE alembic_version SET version_num = 'b';",
            )
            .expect("commit b");
        // `b` is committed (in WAL mode, only in the -wal); `c` is not.
        writer
            .execute_batch("BEGIN IMMEDIATE; UPDATE alembic_version SET version_num = 'c';")
            .expect("open a write transaction");
        let before = names(tmp.path());
        let main = || {
            listing(tmp.path())
                .into_iter()
                .find(|(name, ..)| name == "app.db")
        };
        let main_before = main();
        let out = check(tmp.path(), "sqlite:///app.db");
        assert_eq!(code(&out), 0, "wal={wal}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("the database is at `b`"),
            "wal={wal}: the committed state, not the open transaction nor a stale file: {}",
            stdout(&out)
        );
        assert_eq!(names(tmp.path()), before, "wal={wal}");
        assert_eq!(main(), main_before, "wal={wal}");
        writer.execute_batch("ROLLBACK").expect("rollback");
    }
}

#[test]
fn a_wal_without_its_index_is_refused_not_recreated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let db = tmp.path().join("app.db");
    wal_db(&db, &["a"]);
    // A writer that stops abruptly leaves its -wal; keep a copy of it.
    let writer = rusqlite::Connection::open(&db).expect("writer");
    writer
        .execute_batch("PRAGMA wal_autocheckpoint=0; UPDATE alembic_version SET version_num = 'b';")
        .expect("commit b");
    let wal = std::fs::read(tmp.path().join("app.db-wal")).expect("wal");
    drop(writer);
    std::fs::write(tmp.path().join("app.db-wal"), wal).expect("restore the -wal");
    let _ = std::fs::remove_file(tmp.path().join("app.db-shm"));
    let before = listing(tmp.path());
    let out = check(tmp.path(), "sqlite:///app.db");
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("app.db-wal holds transactions but there is no app.db-shm"),
        "{}",
        stderr(&out)
    );
    assert_eq!(listing(tmp.path()), before);
}
