//! PostgreSQL: a read-only transaction with connect and statement timeouts,
//! over TLS as libpq's `sslmode` asks (never on a unix socket, as in libpq).

use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, Mode, Tls};
use super::url::PgUrl;
use super::{ReadOptions, missing_table, quote};

fn config(pg: &PgUrl, options: &ReadOptions) -> Config {
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
    config
}

/// Connect with the TLS `tls` asks for: `allow` tries plain text first and
/// TLS when the server refuses it; `prefer` the reverse.
fn connect(mut config: Config, tls: &Tls, on_socket: bool) -> Result<Client, ConnectError> {
    let with_tls = |config: &mut Config, mode: SslMode| -> Result<Client, ConnectError> {
        let rustls = tls::client_config(tls, "sslrootcert").map_err(ConnectError::Setup)?;
        config.ssl_mode(mode);
        config
            .connect(MakeRustlsConnect::new(rustls))
            .map_err(ConnectError::Driver)
    };
    if on_socket || tls.mode == Mode::Disable {
        config.ssl_mode(SslMode::Disable);
        return config.connect(NoTls).map_err(ConnectError::Driver);
    }
    match tls.mode {
        Mode::Allow => {
            config.ssl_mode(SslMode::Disable);
            match config.connect(NoTls) {
                Err(e) if e.as_db_error().is_some() => with_tls(&mut config, SslMode::Require),
                other => other.map_err(ConnectError::Driver),
            }
        }
        Mode::Prefer => with_tls(&mut config, SslMode::Prefer),
        _ => with_tls(&mut config, SslMode::Require),
    }
}

enum ConnectError {
    /// The TLS settings cannot be used (no CA file, …).
    Setup(String),
    Driver(postgres::Error),
}

pub(super) fn read(pg: &PgUrl, options: &ReadOptions, shown: &str) -> Result<Vec<String>, String> {
    let tls = tls::postgres(&pg.query).map_err(|why| format!("{shown}: {why}"))?;
    let on_socket = pg.host.as_deref().is_none_or(|h| h.starts_with('/'));
    let mut client = match connect(config(pg, options), &tls, on_socket) {
        Ok(client) => client,
        Err(ConnectError::Setup(why)) => return Err(format!("{shown}: {why}")),
        Err(ConnectError::Driver(e)) => return Err(connect_error(&e, pg, &tls, shown)),
    };
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
            &format!(
                "SELECT {}::text FROM {qualified}",
                super::column(options, true)
            ),
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

fn connect_error(err: &postgres::Error, pg: &PgUrl, tls: &Tls, shown: &str) -> String {
    let why = describe(err);
    let tls_hint = tls::hint(&why, tls);
    let hint = match err.code() {
        _ if tls_hint.is_some() => tls_hint.as_deref().unwrap_or_default(),
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
