//! MySQL and MariaDB: a read-only transaction under statement and lock
//! timeouts, over TCP (TLS as `ssl_mode`/`ssl_ca` ask) or a unix socket.
//!
//! What reaches the server: the handshake, one `SET SESSION` of the
//! timeouts, `START TRANSACTION READ ONLY`, the `SELECT` and `ROLLBACK`.
//! The client is told the packet size so it asks the server nothing at
//! connect, and never to move from TCP to the server's socket by itself.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder, SslOpts};

use super::tls::{self, Mode, Tls};
use super::url::MysqlUrl;
use super::{ReadOptions, missing_table};

/// `ER_NO_SUCH_TABLE`.
const NO_SUCH_TABLE: u16 = 1146;
/// `ER_BAD_DB_ERROR`.
const BAD_DATABASE: u16 = 1049;
/// `ER_ACCESS_DENIED_ERROR`, `ER_DBACCESS_DENIED_ERROR`.
const ACCESS_DENIED: [u16; 2] = [1045, 1044];
/// `ER_UNKNOWN_SYSTEM_VARIABLE`.
const UNKNOWN_VARIABLE: u16 = 1193;

/// An identifier in backquotes.
fn quote(identifier: &str) -> String {
    format!("`{}`", identifier.replace('`', "``"))
}

fn opts(my: &MysqlUrl, options: &ReadOptions) -> OptsBuilder {
    let mut timeout = options.timeout;
    if let Some(seconds) = my.query.get("connect_timeout")
        && let Ok(seconds) = seconds.parse::<u64>()
        && seconds > 0
    {
        timeout = timeout.min(Duration::from_secs(seconds));
    }
    let user = my
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".into());
    let builder = OptsBuilder::new()
        .user(Some(user))
        .pass(my.password.clone())
        .db_name(my.database.clone())
        .tcp_connect_timeout(Some(timeout))
        .read_timeout(Some(options.timeout))
        .write_timeout(Some(options.timeout))
        .prefer_socket(false)
        .max_allowed_packet(Some(16 * 1024 * 1024))
        .stmt_cache_size(0);
    match &my.socket {
        Some(socket) => builder.socket(Some(socket.clone())),
        None => builder
            .ip_or_hostname(Some(my.host.clone().unwrap_or_else(|| "localhost".into())))
            .tcp_port(my.port.unwrap_or(3306)),
    }
}

/// The client's TLS options for `tls` (`None`: plain text).
fn ssl_opts(tls: &Tls) -> Result<Option<SslOpts>, String> {
    let root = match tls.mode {
        Mode::Disable => return Ok(None),
        Mode::VerifyCa | Mode::VerifyFull => {
            match &tls.root_cert {
                Some(path) => {
                    // Read it here, for a message that names the option.
                    tls::read_pem(path, "ssl_ca")?;
                    Some(path.clone())
                }
                None => tls::system_bundle(),
            }
        }
        _ => None,
    };
    Ok(Some(
        SslOpts::default()
            .with_root_cert_path(root)
            .with_danger_accept_invalid_certs(!matches!(
                tls.mode,
                Mode::VerifyCa | Mode::VerifyFull
            ))
            .with_danger_skip_domain_validation(tls.mode == Mode::VerifyCa),
    ))
}

fn connect(my: &MysqlUrl, options: &ReadOptions, tls: &Tls) -> Result<Conn, ConnectError> {
    let plain = || Conn::new(opts(my, options)).map_err(ConnectError::Driver);
    // TLS is a TCP matter: on a unix socket the client never uses it.
    if my.socket.is_some() {
        return plain();
    }
    let Some(ssl) = ssl_opts(tls).map_err(ConnectError::Setup)? else {
        return plain();
    };
    let tried = Conn::new(opts(my, options).ssl_opts(Some(ssl)));
    match tried {
        Err(mysql::Error::DriverError(DriverError::TlsNotSupported))
            if matches!(tls.mode, Mode::Prefer | Mode::Allow) =>
        {
            plain()
        }
        other => other.map_err(ConnectError::Driver),
    }
}

enum ConnectError {
    Setup(String),
    Driver(mysql::Error),
}

pub(super) fn read(
    my: &MysqlUrl,
    options: &ReadOptions,
    shown: &str,
) -> Result<Vec<String>, String> {
    let tls = tls::mysql(&my.query).map_err(|why| format!("{shown}: {why}"))?;
    let mut conn = match connect(my, options, &tls) {
        Ok(conn) => conn,
        Err(ConnectError::Setup(why)) => return Err(format!("{shown}: {why}")),
        Err(ConnectError::Driver(e)) => return Err(connect_error(&e, my, &tls, shown)),
    };
    let cx = |e: mysql::Error| format!("{shown}: {}", describe(&e));
    limit(&mut conn, options).map_err(cx)?;
    conn.query_drop("START TRANSACTION READ ONLY").map_err(cx)?;
    let qualified = match &options.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&options.table)),
        None => quote(&options.table),
    };
    // MySQL's `||` is a logical OR unless PIPES_AS_CONCAT is set: CONCAT.
    let column = if options.django {
        "CONCAT(app, '.', name)"
    } else {
        "version_num"
    };
    let rows: Vec<mysql::Row> = match conn.query(format!("SELECT {column} FROM {qualified}")) {
        Ok(rows) => rows,
        Err(mysql::Error::MySqlError(e)) if e.code == NO_SUCH_TABLE => {
            let table = match &options.schema {
                Some(s) => format!("{s}.{}", options.table),
                None => options.table.clone(),
            };
            return Err(missing_table(shown, &table, options));
        }
        Err(e) => return Err(cx(e)),
    };
    conn.query_drop("ROLLBACK").map_err(cx)?;
    rows.into_iter()
        .map(|row| match row.get_opt::<String, _>(0) {
            Some(Ok(value)) => Ok(value),
            _ => Err(format!(
                "{shown}: a `version_num` of `{}` is not text",
                options.table
            )),
        })
        .collect()
}

/// The statement and lock timeouts of this session. MariaDB names the
/// statement limit `max_statement_time` (seconds), MySQL
/// `max_execution_time` (milliseconds): the one the server lacks fails
/// with "unknown system variable" and the other is set.
fn limit(conn: &mut Conn, options: &ReadOptions) -> Result<(), mysql::Error> {
    let seconds = options.timeout.as_secs().max(1);
    let locks = format!("lock_wait_timeout = {seconds}, innodb_lock_wait_timeout = {seconds}");
    match conn.query_drop(format!(
        "SET SESSION max_statement_time = {seconds}, {locks}"
    )) {
        Err(mysql::Error::MySqlError(e)) if e.code == UNKNOWN_VARIABLE => conn.query_drop(format!(
            "SET SESSION max_execution_time = {}, {locks}",
            options.timeout.as_millis().max(1)
        )),
        other => other,
    }
}

fn describe(err: &mysql::Error) -> String {
    match err {
        mysql::Error::MySqlError(e) => format!("{} ({})", e.message, e.code),
        _ => {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                let more = cause.to_string();
                if !text.contains(&more) {
                    text.push_str(&format!(": {more}"));
                }
                source = cause.source();
            }
            text
        }
    }
}

fn connect_error(err: &mysql::Error, my: &MysqlUrl, tls: &Tls, shown: &str) -> String {
    let why = describe(err);
    let code = match err {
        mysql::Error::MySqlError(e) => Some(e.code),
        _ => None,
    };
    let hint = match code {
        _ if tls::hint(&why, tls).is_some() => tls::hint(&why, tls).unwrap_or_default(),
        Some(code) if ACCESS_DENIED.contains(&code) => {
            "access denied: check the user, the password (not shown) and the host the user may connect from".into()
        }
        Some(BAD_DATABASE) => {
            "no such database on this server: check the database name in the URL".into()
        }
        _ if why.contains("failed to lookup address")
            || why.contains("Name or service not known") =>
        {
            "unknown host: the name does not resolve".into()
        }
        _ if why.contains("timed out") || why.contains("WouldBlock") => {
            "the server did not answer in time (unreachable or firewalled?)".into()
        }
        _ if why.contains("onnection refused") || why.contains("No such file") => {
            "nothing is listening there: is the server running, and are the host, port or unix_socket right?".into()
        }
        _ => "cannot connect".into(),
    };
    let target = match (&my.socket, &my.host, my.port) {
        (Some(socket), _, _) => socket.clone(),
        (None, Some(h), Some(p)) => format!("{h}:{p}"),
        (None, Some(h), None) => format!("{h}:3306"),
        (None, None, _) => "localhost:3306".into(),
    };
    format!("{shown}: {hint} ({target}: {why})")
}
