//! `check --database-url`: read the version table of the live database,
//! read-only, and hand its rows to the core as data.
//!
//! The core never connects (the wasm guest has no imports); this module runs
//! one `SELECT version_num` (for Django, `SELECT app || '.' || name` from
//! `django_migrations`) and nothing else:
//! - SQLite: opened `SQLITE_OPEN_READ_ONLY` (never created), `query_only`
//!   and a busy timeout;
//! - PostgreSQL: `default_transaction_read_only=on`, `statement_timeout`
//!   and `lock_timeout` as startup options, a `READ ONLY` transaction rolled
//!   back at the end, and a connect timeout;
//! - MySQL and MariaDB: the session's statement and lock timeouts, a
//!   `READ ONLY` transaction rolled back at the end, and connect, read and
//!   write timeouts;
//! - both servers over TLS as the URL asks (`tls`: libpq's `sslmode`,
//!   MySQL's `ssl_mode`/`ssl_ca`), with rustls.
//!
//! Every read also runs under a wall-clock guard on a worker thread, so an
//! unreachable or silent server ends in an error (exit 2) within the
//! timeout, never a hang. Every message names the URL masked
//! ([`url::mask`]: nothing between the scheme and the host) and is scrubbed
//! of the URL's secrets ([`url::scrub`]) as a last resort, since a driver's
//! own text may quote them.

mod mysql_read;
mod postgres_read;
mod sqlite_read;
mod tls;
pub mod url;

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use revguard_core::history::DatabaseState;

use self::url::DbUrl;

/// What to read and how long to wait.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The version table (`alembic_version`).
    pub table: String,
    /// Its schema (`--version-table-schema`), when not the default.
    pub schema: Option<String>,
    /// Connect and statement timeout; the whole read is bounded by twice it.
    pub timeout: Duration,
    /// The tool whose table it is: Alembic's `alembic_version(version_num)`
    /// gives one id per row; Django's `django_migrations(app, name)` gives
    /// `app.name` per row (an app label has no dot, so it splits back).
    pub django: bool,
    /// Another tool's history table (the SQL-file tools): the expression
    /// each row reads as, per backend, and the tool's name for messages.
    pub columns: Option<Columns>,
}

/// The row expression of a SQL-file tool's history table: several columns
/// joined into one text per row, written once for SQLite and once for
/// PostgreSQL (their casts and hex functions differ).
#[derive(Debug, Clone)]
pub struct Columns {
    /// The expression for SQLite.
    pub sqlite: String,
    /// The expression for PostgreSQL (cast to `text` by the reader).
    pub postgres: String,
    /// The tool, as messages name it (`sqlx`).
    pub tool: String,
}

/// Read every row of the version table.
pub fn read(raw_url: &str, options: &ReadOptions) -> Result<DatabaseState> {
    let shown = url::mask(raw_url);
    let parsed = url::parse(raw_url)
        .map_err(|e| anyhow!("--database-url {}", url::scrub(&e.to_string(), raw_url)))?;
    let table = match &options.schema {
        Some(schema) => format!("{schema}.{}", options.table),
        None => options.table.clone(),
    };
    let (send, receive) = mpsc::channel();
    let worker_options = options.clone();
    let worker_shown = shown.clone();
    std::thread::Builder::new()
        .name("revguard-database".into())
        .spawn(move || {
            let rows = match &parsed {
                DbUrl::Sqlite { path } => sqlite_read::read(path, &worker_options, &worker_shown),
                DbUrl::Postgres(pg) => postgres_read::read(pg, &worker_options, &worker_shown),
                DbUrl::Mysql(my) => mysql_read::read(my, &worker_options, &worker_shown),
            };
            let _ = send.send(rows);
        })
        .map_err(|e| anyhow!("cannot start the database reader: {e}"))?;
    let guard = options.timeout.saturating_mul(2) + Duration::from_secs(1);
    let rows = match receive.recv_timeout(guard) {
        Ok(rows) => rows,
        Err(_) => Err(format!(
            "{shown}: no answer within {} s (is the server reachable? raise --database-timeout)",
            guard.as_secs()
        )),
    };
    match rows {
        Ok(rows) => Ok(DatabaseState {
            url: shown,
            table,
            rows,
        }),
        Err(message) => Err(anyhow!(url::scrub(&message, raw_url))),
    }
}

/// A SQL identifier in double quotes (both engines accept this form).
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// What one row reads as (see [`ReadOptions::django`] and
/// [`ReadOptions::columns`]); `postgres` picks that backend's expression.
fn column(options: &ReadOptions, postgres: bool) -> String {
    match &options.columns {
        Some(columns) if postgres => format!("({})", columns.postgres),
        Some(columns) => format!("({})", columns.sqlite),
        None if options.django => "(app || '.' || name)".to_owned(),
        None => "version_num".to_owned(),
    }
}

/// The message for a version table that does not exist.
fn missing_table(shown: &str, table: &str, options: &ReadOptions) -> String {
    if let Some(columns) = &options.columns {
        return format!(
            "{shown}: there is no table `{table}`; is this the right database? A database {} never migrated has none, and it would run every migration",
            columns.tool
        );
    }
    if options.django {
        return format!(
            "{shown}: there is no table `{table}`; is this the right database? A database Django never migrated has none, and `manage.py migrate` would run every migration"
        );
    }
    format!(
        "{shown}: there is no version table `{table}`; is this the right database (and schema: --version-table-schema)? A database Alembic never migrated has none, and `alembic upgrade head` would run the whole history"
    )
}

/// `--database-url from-config`: `sqlalchemy.url` from the project's ini file
/// (the path itself when it is a file, else `alembic.ini` in it). Read only
/// when asked, so a plain `check` never connects anywhere.
pub fn url_from_config(project: &std::path::Path, section: &str) -> Result<String> {
    let ini_path = if project.is_file() {
        project.to_path_buf()
    } else {
        project.join("alembic.ini")
    };
    let text = std::fs::read_to_string(&ini_path).map_err(|e| {
        anyhow!(
            "--database-url from-config: cannot read {}: {e}",
            ini_path.display()
        )
    })?;
    let ini = crate::ini::Ini::parse(&text).map_err(|e| anyhow!("{}: {e}", ini_path.display()))?;
    let here = ini_path
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .display()
        .to_string();
    match ini.get(section, "sqlalchemy.url", &here) {
        Ok(Some(url)) if !url.trim().is_empty() => Ok(url.trim().to_owned()),
        Ok(_) => Err(anyhow!(
            "--database-url from-config: {} has no `sqlalchemy.url` in [{section}] (env.py may build the URL itself: pass it with --database-url or REVGUARD_DATABASE_URL)",
            ini_path.display()
        )),
        // The ini reader's message quotes the raw value, which holds the
        // password: name the key and the usual cause instead.
        Err(_) => Err(anyhow!(
            "--database-url from-config: {}: [{section}] sqlalchemy.url cannot be interpolated the way Alembic's configparser does (a literal `%` is written `%%`, so a password's `%40` is `%%40`; `%(name)s` must name a key of [{section}] or [DEFAULT]); the value is not shown, it may hold a password",
            ini_path.display()
        )),
    }
}
