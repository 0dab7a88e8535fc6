//! MariaDB: `check --database-url` against a throwaway server
//! (`support::servers::mariadb`: `mariadb-install-db` + `mariadbd` on a unix
//! socket and loopback TCP, a password-protected read-only user), with TLS
//! on for the certificates of `certs.rs`.

use std::path::Path;

use crate::certs::{Certs, certs};
pub use crate::support::servers::mariadb::{PASSWORD, Server};
use crate::{chain, code, revguard, stderr, stdout};

/// A server for one test (TLS on with `tls`), or `None` (a loud skip; a
/// failure under `CI`).
pub fn server(tls: Option<&Certs>) -> Option<Server> {
    crate::support::servers::mariadb::server(tls.map(Certs::server_tls).as_ref())
}

/// A database `name` with a version table (in `name` itself) holding `rows`.
pub fn database(server: &Server, name: &str, rows: &[&str]) {
    server.sql(&format!(
        "CREATE DATABASE {name}; CREATE TABLE {name}.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
    ));
    for row in rows {
        server.sql(&format!(
            "INSERT INTO {name}.alembic_version VALUES ('{row}')"
        ));
    }
}

/// The server's counters of writes of any kind (rows and statements),
/// and of the statements a read runs.
const WRITES: &[&str] = &[
    "Com_insert",
    "Com_update",
    "Com_delete",
    "Com_replace",
    "Com_create_table",
    "Com_drop_table",
    "Com_alter_table",
    "Com_truncate",
    "Com_create_db",
    "Com_insert_select",
    "Com_update_multi",
    "Com_delete_multi",
];

fn counters(server: &Server) -> std::collections::BTreeMap<String, u64> {
    server
        .sql("SHOW GLOBAL STATUS")
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter_map(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
        .collect()
}

fn check(dir: &Path, url: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--database-url", url];
    args.extend_from_slice(extra);
    args.push(".");
    revguard(dir, &args)
}

#[test]
fn reads_the_version_table_over_the_socket_and_tcp_and_writes_nothing() {
    let Some(db) = server(None) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    database(&db, "plan", &["a"]);
    let urls = [
        db.socket_url("mysql+pymysql", "plan", PASSWORD),
        db.socket_url("mariadb+mariadbconnector", "plan", PASSWORD),
        db.tcp_url("mysql+mysqldb", "127.0.0.1", "plan", ""),
        db.tcp_url("mysql", "127.0.0.1", "plan", "?charset=utf8mb4"),
        db.tcp_url("mysql+aiomysql", "localhost", "plan", ""),
        db.tcp_url("mariadb", "127.0.0.1", "plan", ""),
    ];
    for url in &urls {
        let before = counters(&db);
        let out = check(tmp.path(), url, &[]);
        let after = counters(&db);
        assert_eq!(code(&out), 0, "{url}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("from `a` runs 2 migrations, in order: `b`, `c`"),
            "{url}: {text}"
        );
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(text.contains("://***@"), "{text}");
        for name in WRITES {
            assert_eq!(before[*name], after[*name], "{url}: {name} moved");
        }
        // The counters do see revguard: its one SELECT and the rollback of
        // its read-only transaction.
        for name in ["Com_select", "Com_rollback"] {
            assert!(after[name] > before[name], "{url}: {name} did not move");
        }
    }
    assert_eq!(db.sql("SELECT version_num FROM plan.alembic_version"), "a");
}

#[test]
fn schema_option_two_rows_missing_table_and_errors() {
    let Some(db) = server(None) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    database(&db, "two", &["b", "c"]);
    database(&db, "other", &[]);
    // The version table in another database (MySQL's schemas).
    let url = db.socket_url("mysql+pymysql", "other", PASSWORD);
    let out = check(tmp.path(), &url, &["--version-table-schema", "two"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the version table has 2 rows"),
        "{}",
        stdout(&out)
    );
    let out = check(tmp.path(), &url, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("a fresh database"),
        "{}",
        stdout(&out)
    );
    db.sql("CREATE DATABASE empty");
    let cases = [
        (
            db.socket_url("mysql", "empty", PASSWORD),
            "no version table `alembic_version`",
        ),
        (db.socket_url("mysql", "two", "wrong-pw"), "access denied"),
        (
            db.socket_url("mysql", "nosuchdb", PASSWORD),
            "no such database",
        ),
        (
            format!("mysql://reader:{PASSWORD}@/two?unix_socket=/nonexistent/sock"),
            "nothing is listening there",
        ),
        (
            db.tcp_url("mysql", "127.0.0.1", "two", "?ssl_mode=sometimes"),
            "unknown `ssl_mode=sometimes`",
        ),
    ];
    for (url, expected) in cases {
        let out = check(tmp.path(), &url, &["--database-timeout", "5"]);
        assert_eq!(code(&out), 2, "{url}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{url}: {err}");
        assert!(err.contains("://***@"), "{err}");
        assert!(
            !err.contains(PASSWORD) && !err.contains("wrong-pw"),
            "{err}"
        );
    }
}

#[test]
fn verified_tls_and_each_way_it_must_fail() {
    let Some(certs) = certs() else { return };
    let Some(db) = server(Some(&certs)) else {
        return;
    };
    let Some(plain) = server(None) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    database(&db, "app", &["b"]);
    database(&plain, "app", &["b"]);
    let ca = certs.ca().display().to_string();
    let other = certs.other_ca().display().to_string();
    for (host, query) in [
        (
            "localhost",
            format!("?ssl_mode=VERIFY_IDENTITY&ssl_ca={ca}"),
        ),
        ("localhost", format!("?ssl_ca={ca}")),
        ("127.0.0.1", format!("?ssl_mode=VERIFY_CA&ssl_ca={ca}")),
        (
            "127.0.0.1",
            format!("?ssl_ca={ca}&ssl_check_hostname=false"),
        ),
        ("127.0.0.1", "?ssl_mode=REQUIRED".to_owned()),
        ("127.0.0.1", "?ssl=true".to_owned()),
    ] {
        let url = db.tcp_url("mysql+pymysql", host, "app", &query);
        let before = counters(&db);
        let out = check(tmp.path(), &url, &[]);
        assert_eq!(code(&out), 0, "{url}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("runs 1 migration"),
            "{}",
            stdout(&out)
        );
        assert!(
            counters(&db)["Ssl_accepts"] > before["Ssl_accepts"],
            "{url}: not over TLS"
        );
    }
    let cases = [
        (
            db.tcp_url("mysql", "localhost", "app", &format!("?ssl_ca={other}")),
            "not signed by a CA revguard trusts",
        ),
        (
            db.tcp_url("mysql", "127.0.0.1", "app", &format!("?ssl_ca={ca}")),
            "does not name the host",
        ),
        (
            plain.tcp_url("mysql", "localhost", "app", &format!("?ssl_ca={ca}")),
            "the server does not offer TLS",
        ),
        (
            db.tcp_url("mysql", "localhost", "app", "?ssl_ca=/nonexistent.pem"),
            "`ssl_ca`: cannot read /nonexistent.pem",
        ),
    ];
    for (url, expected) in cases {
        let out = check(tmp.path(), &url, &[]);
        assert_eq!(code(&out), 2, "{url}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(expected), "{url}: {err}");
        assert!(!err.contains(PASSWORD), "{err}");
    }
}

#[test]
fn the_plugin_presync_job_command_against_mariadb() {
    let Some(db) = server(None) else { return };
    let (mut argv, env) = crate::postgres::job_command();
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::copy_dir(&crate::repo().join("examples/incident-443"), tmp.path());
    let last = argv.last_mut().expect("a project path");
    *last = ".".into();
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    database(&db, "incident", &["043"]);
    let url = db.tcp_url("mysql+pymysql", "127.0.0.1", "incident", "");
    let out = crate::revguard_env(tmp.path(), &args, &[(env.as_str(), url.as_str())]);
    assert_eq!(
        code(&out),
        1,
        "the gate must stop the sync: {}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("never-runs"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(PASSWORD));
}

/// Django's history table on MariaDB: `django_migrations(app, name)` read
/// with `CONCAT` (MySQL's `||` is a logical OR), read-only, and judged as
/// Django would: a migration applied before its dependency is Django's
/// InconsistentMigrationHistory, word for word.
#[test]
fn django_migrations_are_read_from_mariadb() {
    let Some(db) = server(None) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::copy_dir(
        &crate::repo().join("examples/django-leaf-conflict"),
        tmp.path(),
    );
    db.sql(
        "CREATE DATABASE dj; CREATE TABLE dj.django_migrations (id INT AUTO_INCREMENT PRIMARY KEY, \
         app VARCHAR(255) NOT NULL, name VARCHAR(255) NOT NULL, applied DATETIME(6) NOT NULL)",
    );
    for (app, name) in [
        ("accounts", "0001_initial"),
        ("shop", "0001_initial"),
        ("billing", "0001_initial"),
        ("billing", "0003_invoice_due_date"),
    ] {
        db.sql(&format!(
            "INSERT INTO dj.django_migrations (app, name, applied) VALUES ('{app}', '{name}', NOW())"
        ));
    }
    let url = db.socket_url("mysql+pymysql", "dj", PASSWORD);
    let args = [
        "check",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
        "--database-url",
        &url,
        ".",
    ];
    let before = counters(&db);
    let out = revguard(tmp.path(), &args);
    let after = counters(&db);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "InconsistentMigrationHistory: Migration billing.0003_invoice_due_date is applied before its dependency billing.0002_invoice_total on database 'default'."
        ),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    for name in WRITES {
        assert_eq!(before[*name], after[*name], "{name} moved");
    }
    assert!(after["Com_select"] > before["Com_select"], "no SELECT seen");
}
