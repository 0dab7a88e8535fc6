//! `revguard check --database-url`, end to end, against real engines: SQLite
//! files (`sqlite.rs`), throwaway PostgreSQL clusters started by the suite
//! on a unix socket (`postgres.rs`) and over TLS (`tls.rs`), and throwaway
//! MariaDB servers on a unix socket, loopback TCP and TLS (`mariadb.rs`).
//! The servers are started by the test support crate (`support::servers`);
//! the TLS ones use a CA and a certificate the suite makes (`certs.rs`).
//!
//! Outside tools: PostgreSQL's `initdb`/`pg_ctl` (Debian's `postgresql`,
//! `/usr/lib/postgresql/*/bin`), MariaDB's `mariadb-install-db`/`mariadbd`
//! and `mariadb` (Debian's `mariadb-server`), and `openssl`. Without them
//! those tests print a loud notice and skip, unless `CI` is set, where they
//! fail.

mod certs;
mod mariadb;
mod postgres;
mod presync;
mod sqlite;
mod tls;
mod urls;

use std::path::Path;
use std::process::Output;

use revguard_test_support as support;

pub use support::fs::copy_dir;
pub use support::{code, repo, stderr, stdout};

/// `revguard <args>` run in `dir` with extra environment variables.
pub fn revguard_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    support::cli::run(dir, args, env)
}

/// `revguard <args>` run in `dir`.
pub fn revguard(dir: &Path, args: &[&str]) -> Output {
    revguard_env(dir, args, &[])
}

/// A project with a linear chain `a <- b <- c` (and alembic.ini).
pub fn chain(dir: &Path, ini_url: Option<&str>) {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions).expect("mkdir");
    let mut ini = "[alembic]\nscript_location = %(here)s/migrations\n".to_owned();
    if let Some(url) = ini_url {
        ini.push_str(&format!("sqlalchemy.url = {url}\n"));
    }
    std::fs::write(dir.join("alembic.ini"), ini).expect("ini");
    std::fs::write(dir.join("migrations/env.py"), "").expect("env.py");
    for (id, down, doc) in [
        ("a", "None", "create users"),
        ("b", "'a'", "add email"),
        ("c", "'b'", "add index"),
    ] {
        std::fs::write(
            versions.join(format!("{id}_x.py")),
            format!("\"\"\"{doc}\n\nRevision ID: {id}\n\"\"\"\nrevision = '{id}'\ndown_revision = {down}\n"),
        )
        .expect("write");
    }
}

/// A SQLite database with a version table holding `rows`.
pub fn sqlite_db(path: &Path, rows: &[&str]) {
    let conn = rusqlite::Connection::open(path).expect("create db");
    conn.execute(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
        [],
    )
    .expect("create table");
    for row in rows {
        conn.execute("INSERT INTO alembic_version VALUES (?1)", [row])
            .expect("insert");
    }
}
