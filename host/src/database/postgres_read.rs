//! PostgreSQL: a read-only transaction with connect and statement timeouts.

use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::{Config, NoTls};

use super::url::PgUrl;
use super::{ReadOptions, missing_table, quote};

fn config(pg: &PgUrl, options: &ReadOptions, shown: &str) -> Result<Config, String> {
    let mut config = Config::new();
    let user = pg
        .user
        .clone()
        .or_else(|| std::env::var("PGUSER").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "postgres".into());
    config.user(&user);
    if let Some(password) = &pg.password {
        config.password(password);
    }
    // libpq's default is the local unix socket; Debian puts it here.
    let host = pg
        .host
        .clone()
        .unwrap_or_else(|| "/var/run/postgresql".into());
    if host.starts_with('/') {
        config.host_path(&host);
    } else {
        config.host(&host);
    }
    config.port(pg.port.unwrap_or(5432));
    config.dbname(pg.database.as_deref().unwrap_or(&user));
    config.application_name("revguard");
    let mut timeout = options.timeout;
    if let Some(seconds) = pg.query.get("connect_timeout")
        && let Ok(seconds) = seconds.parse::<u64>()
        && seconds > 0
    {
        timeout = timeout.min(Duration::from_secs(seconds));
    }
    config.connect_timeout(timeout);
    config.options(&format!(
        "-c default_transaction_read_only=on -c statement_timeout={} -c lock_timeout={}",
        options.timeout.as_millis(),
        options.timeout.as_millis()
    ));
    match pg.query.get("sslmode").map(String::as_str) {
        None | Some("disable" | "allow" | "prefer") => {
            config.ssl_mode(SslMode::Disable);
        }
        Some(mode @ ("require" | "verify-ca" | "verify-full")) => {
            return Err(format!(
                "{shown}: `sslmode={mode}` asks for TLS, which this build does not support yet; connect through a local proxy or a unix socket, or use `sslmode=disable` on a trusted network"
            ));
        }
        Some(other) => return Err(format!("{shown}: unknown `sslmode={other}`")),
    }
    Ok(config)
}

pub(super) fn read(pg: &PgUrl, options: &ReadOptions, shown: &str) -> Result<Vec<String>, String> {
    let config = config(pg, options, shown)?;
    let mut client = config
        .connect(NoTls)
        .map_err(|e| connect_error(&e, pg, shown))?;
    let cx = |e: postgres::Error| format!("{shown}: {}", describe(&e));
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(cx)?;
    let qualified = match &options.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&options.table)),
        None => quote(&options.table),
    };
    let exists = tx
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&qualified])
        .map_err(cx)?
        .get::<_, bool>(0);
    if !exists {
        let table = match &options.schema {
            Some(s) => format!("{s}.{}", options.table),
            None => options.table.clone(),
        };
        return Err(missing_table(shown, &table, options));
    }
    let rows = tx
        .query(
            &format!("SELECT {}::text FROM {qualified}", super::column(options)),
            &[],
        )
        .map_err(cx)?;
    tx.rollback().map_err(cx)?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

fn describe(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

fn connect_error(err: &postgres::Error, pg: &PgUrl, shown: &str) -> String {
    let why = describe(err);
    let hint = match err.code() {
        Some(code) if *code == SqlState::INVALID_PASSWORD => {
            "authentication failed: check the user and password (the password is not shown)"
        }
        Some(code) if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            "the server refused this user: check the user name and pg_hba.conf"
        }
        Some(code) if *code == SqlState::INVALID_CATALOG_NAME => {
            "no such database on this server: check the database name in the URL"
        }
        _ if why.contains("failed to lookup address")
            || why.contains("Name or service not known") =>
        {
            "unknown host: the name does not resolve"
        }
        _ if why.contains("timed out") => {
            "the server did not answer in time (unreachable or firewalled?)"
        }
        _ if why.contains("onnection refused") || why.contains("No such file") => {
            "nothing is listening there: is the server running, and are the host and port right?"
        }
        _ => "cannot connect",
    };
    let target = match (&pg.host, pg.port) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.clone(),
        (None, _) => "the default socket".into(),
    };
    format!("{shown}: {hint} ({target}: {why})")
}
