//! SQLAlchemy database URLs, read the way `sqlalchemy.engine.make_url` does,
//! and their password-masked form.
//!
//! `dialect[+driver]://[user[:password]@][host][:port]/[database][?key=value&…]`.
//! The driver part is ignored (`postgresql+asyncpg` is `postgresql`). SQLite:
//! `sqlite:///rel.db` is relative to the current directory, `sqlite:////abs.db`
//! absolute. PostgreSQL takes `?host=/socket/dir` (a unix socket directory),
//! `sslmode`, `connect_timeout` and `port`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The password as every message shows it.
pub const MASK: &str = "***";

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `sqlite:///path`.
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// `postgresql://…`.
    Postgres(PgUrl),
}

impl fmt::Debug for DbUrl {
    // Never print the password, not even in a debug dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Sqlite { path } => write!(f, "Sqlite({})", path.display()),
            DbUrl::Postgres(pg) => write!(
                f,
                "Postgres(user={:?}, host={:?}, port={:?}, database={:?}, password={})",
                pg.user,
                pg.host,
                pg.port,
                pg.database,
                if pg.password.is_some() { MASK } else { "none" }
            ),
        }
    }
}

/// The parts of a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PgUrl {
    /// User name (percent-decoded).
    pub user: Option<String>,
    /// Password (percent-decoded); never printed.
    pub password: Option<String>,
    /// Host name, IP address, or (from `?host=`) a unix socket directory.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Database name.
    pub database: Option<String>,
    /// The remaining query parameters (`sslmode`, `connect_timeout`, …).
    pub query: BTreeMap<String, String>,
}

/// Why a URL cannot be used. The message never contains the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UrlError {}

/// The URL with its password (and any `password=` query value) replaced by
/// `***`. Works on any string, parsable or not, so error messages about a
/// malformed URL are masked too.
pub fn mask(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:{MASK}@{host}"),
                    None => format!("{userinfo}@{host}"),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                    format!("{key}={MASK}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&masked.join("&"));
    }
    out
}

/// Percent-decode (`%40` → `@`); `None` on a bad escape or non-UTF-8 result.
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parse a SQLAlchemy URL.
pub fn parse(url: &str) -> Result<DbUrl, UrlError> {
    let shown = mask(url);
    let err = |why: &str| UrlError(format!("{shown}: {why}"));
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(err(
            "not a database URL (expected `dialect://…`, e.g. `postgresql://user@host/db` or `sqlite:///app.db`)",
        ));
    };
    let dialect = scheme
        .split_once('+')
        .map_or(scheme, |(d, _)| d)
        .to_ascii_lowercase();
    match dialect.as_str() {
        "sqlite" => parse_sqlite(rest).map_err(|why| err(&why)),
        "postgresql" | "postgres" => parse_pg(rest).map(DbUrl::Postgres).map_err(|why| err(&why)),
        "mysql" | "mariadb" => Err(err(
            "MySQL/MariaDB are not supported yet (SQLite and PostgreSQL are); pass `--deployed REV` with the value of `SELECT version_num FROM alembic_version`",
        )),
        other => Err(err(&format!(
            "unsupported database `{other}` (supported: postgresql, sqlite)"
        ))),
    }
}

fn parse_sqlite(rest: &str) -> Result<DbUrl, String> {
    let rest = rest.split_once('?').map_or(rest, |(p, _)| p);
    // `sqlite:///rel.db` → rest `/rel.db`; `sqlite:////abs.db` → `//abs.db`.
    let Some(path) = rest.strip_prefix('/') else {
        return Err(
            "a SQLite URL has no host: write `sqlite:///relative.db` or `sqlite:////absolute.db`"
                .into(),
        );
    };
    if path.is_empty() || path == ":memory:" {
        return Err("an in-memory SQLite database has no version table to read".into());
    }
    let path = decode(path).ok_or("bad percent-escape in the path")?;
    Ok(DbUrl::Sqlite {
        path: PathBuf::from(path),
    })
}

fn parse_pg(rest: &str) -> Result<PgUrl, String> {
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    let mut pg = PgUrl::default();
    let hostport = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            pg.user = Some(decode(user).ok_or("bad percent-escape in the user name")?)
                .filter(|u| !u.is_empty());
            pg.password = match password {
                Some(p) => Some(decode(p).ok_or("bad percent-escape in the password")?),
                None => None,
            };
            hostport
        }
        None => authority,
    };
    let (host, port) = split_host_port(hostport)?;
    pg.host = host;
    pg.port = port;
    pg.database = Some(decode(database).ok_or("bad percent-escape in the database name")?)
        .filter(|d| !d.is_empty());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value).ok_or_else(|| format!("bad percent-escape in `{key}`"))?;
        match key {
            "host" => pg.host = Some(value),
            "port" => {
                pg.port = Some(
                    value
                        .parse()
                        .map_err(|_| format!("`port={value}` is not a port number"))?,
                )
            }
            "user" => pg.user = Some(value),
            "password" => pg.password = Some(value),
            "dbname" => pg.database = Some(value),
            _ => {
                pg.query.insert(key.to_owned(), value);
            }
        }
    }
    Ok(pg)
}

type HostPort = (Option<String>, Option<u16>);

fn split_host_port(hostport: &str) -> Result<HostPort, String> {
    if hostport.is_empty() {
        return Ok((None, None));
    }
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("unclosed `[` in the host (an IPv6 address is written `[::1]`)")?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() => Some(
            p.parse::<u16>()
                .map_err(|_| format!("`{p}` is not a port number"))?,
        ),
        _ => None,
    };
    let host = decode(host).ok_or("bad percent-escape in the host")?;
    Ok(((!host.is_empty()).then_some(host), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(url: &str) -> PgUrl {
        match parse(url) {
            Ok(DbUrl::Postgres(pg)) => pg,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn masks_passwords_everywhere() {
        assert_eq!(
            mask("postgresql+psycopg2://app:s3cr%40t@db:5432/app"),
            "postgresql+psycopg2://app:***@db:5432/app"
        );
        assert_eq!(mask("postgresql://app@db/app"), "postgresql://app@db/app");
        assert_eq!(
            mask("postgresql://u:p@x@h/d?password=zz&sslmode=require"),
            "postgresql://u:***@h/d?password=***&sslmode=require"
        );
        assert_eq!(mask("sqlite:////tmp/a.db"), "sqlite:////tmp/a.db");
        assert_eq!(mask("garbage:pw@"), "garbage:pw@".to_owned());
    }

    #[test]
    fn postgres_forms() {
        for scheme in [
            "postgresql",
            "postgres",
            "postgresql+psycopg2",
            "postgresql+asyncpg",
        ] {
            let p = pg(&format!("{scheme}://app:p%40ss@db.internal:6432/orders"));
            assert_eq!(p.user.as_deref(), Some("app"));
            assert_eq!(p.password.as_deref(), Some("p@ss"));
            assert_eq!(p.host.as_deref(), Some("db.internal"));
            assert_eq!(p.port, Some(6432));
            assert_eq!(p.database.as_deref(), Some("orders"));
        }
        let socket = pg("postgresql://app@/orders?host=/run/pg&sslmode=disable");
        assert_eq!(socket.host.as_deref(), Some("/run/pg"));
        assert_eq!(
            socket.query.get("sslmode").map(String::as_str),
            Some("disable")
        );
        let v6 = pg("postgresql://[::1]:5433/x");
        assert_eq!((v6.host.as_deref(), v6.port), (Some("::1"), Some(5433)));
        assert!(parse("postgresql://h:notaport/x").is_err());
    }

    #[test]
    fn sqlite_forms() {
        let path = |url: &str| match parse(url) {
            Ok(DbUrl::Sqlite { path }) => path,
            other => panic!("{url}: {other:?}"),
        };
        assert_eq!(path("sqlite:///rel.db"), PathBuf::from("rel.db"));
        assert_eq!(path("sqlite:////abs/a.db"), PathBuf::from("/abs/a.db"));
        assert_eq!(
            path("sqlite+pysqlite:///x/y.db?mode=ro"),
            PathBuf::from("x/y.db")
        );
        assert!(parse("sqlite://").is_err());
        assert!(parse("sqlite:///:memory:").is_err());
    }

    #[test]
    fn errors_never_show_the_password() {
        for url in [
            "mysql+pymysql://root:hunter2@db/app",
            "mariadb://root:hunter2@db/app",
            "oracle://root:hunter2@db/app",
            "postgresql://root:hunter2@db:99999/app",
            "postgresql://root:hunter2@db/%zz",
        ] {
            let err = parse(url).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("root:***@db"), "{err}");
        }
    }
}
