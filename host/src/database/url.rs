//! SQLAlchemy database URLs, cut the way `sqlalchemy.engine.make_url` cuts
//! them, and the masked form every message shows.
//!
//! `dialect[+driver]://[user[:password]@][host][:port][/database][?key=value&…]`.
//! [`split`] is SQLAlchemy's own pattern, step for step: the user name runs
//! to the first `:` or `/`, the password to the first `@` (so a raw `/`, `?`
//! or `:` belongs to the password), an IPv6 host is `[…]`, the port runs to
//! `/` or `?`, the database to `?`. Text the pattern does not reach is
//! ignored by SQLAlchemy and refused here. The driver part is ignored
//! (`postgresql+asyncpg` is `postgresql`). SQLite: `sqlite:///rel.db` is
//! relative to the current directory, `sqlite:////abs.db` absolute.
//! PostgreSQL takes `?host=/socket/dir` (a unix socket directory), `sslmode`,
//! `sslrootcert`, `connect_timeout`, `port`, `user`, `password` and `dbname`;
//! MySQL and MariaDB (`mysql[+pymysql|+mysqldb|+aiomysql]://`,
//! `mariadb[+mariadbconnector]://`) take `?unix_socket=/path/to/socket`,
//! `ssl_mode`, `ssl_ca`, `ssl_check_hostname`, `ssl_verify_cert`, `ssl` and
//! `connect_timeout` (see `docs/database.md`).
//!
//! [`mask`] never parses: it hides everything between the scheme and the
//! last `@`, and every `password` query value, so a URL that cannot be
//! parsed is masked as well as one that can. A PostgreSQL URL may hold
//! exactly one raw `@` (the one that ends `user:password@`), so the masked
//! part is exactly what SQLAlchemy reads as user and password.

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
    /// `mysql://…`, `mariadb://…` (any driver).
    Mysql(MysqlUrl),
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
            DbUrl::Mysql(my) => write!(
                f,
                "Mysql(user={:?}, host={:?}, port={:?}, socket={:?}, database={:?}, password={})",
                my.user,
                my.host,
                my.port,
                my.socket,
                my.database,
                if my.password.is_some() { MASK } else { "none" }
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

/// The parts of a MySQL or MariaDB URL.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct MysqlUrl {
    /// User name (percent-decoded).
    pub user: Option<String>,
    /// Password (percent-decoded); never printed.
    pub password: Option<String>,
    /// Host name or IP address.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// The unix socket (`?unix_socket=`), used instead of the host.
    pub socket: Option<String>,
    /// Database name.
    pub database: Option<String>,
    /// The remaining query parameters (`ssl_mode`, `ssl_ca`, …).
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

/// A URL cut by SQLAlchemy's pattern, every piece raw (not decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts<'a> {
    /// `dialect[+driver]`.
    pub name: &'a str,
    /// Before the `:` of the user info.
    pub username: Option<&'a str>,
    /// Between that `:` and the first `@` after it.
    pub password: Option<&'a str>,
    /// The host (an IPv6 address without its brackets).
    pub host: Option<&'a str>,
    /// After the host's `:`, up to `/` or `?` (possibly empty).
    pub port: Option<&'a str>,
    /// After the `/`, up to `?`.
    pub database: Option<&'a str>,
    /// After the `?`.
    pub query: Option<&'a str>,
    /// What the pattern does not reach (SQLAlchemy drops it silently).
    pub tail: &'a str,
}

/// What `make_url` returns for a URL, decoded the way it decodes: user,
/// password and database percent-decoded, the host raw, the query by
/// `parse_qsl` (pairs without a value dropped, `+` is a space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// `dialect[+driver]`.
    pub drivername: String,
    /// The user name.
    pub username: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// The host.
    pub host: Option<String>,
    /// The port.
    pub port: Option<u16>,
    /// The database (a file path for SQLite).
    pub database: Option<String>,
    /// The query pairs, in order, a repeated key repeated.
    pub query: Vec<(String, String)>,
}

/// Python's `\w` (letters, digits and `_`, in any script) or `+`.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '+'
}

/// Cut `url` with SQLAlchemy's `make_url` pattern (`_parse_url` in
/// `sqlalchemy/engine/url.py`); `None` where it does not match (no
/// `dialect://`).
pub fn split(url: &str) -> Option<Parts<'_>> {
    let name_len = url.find(|c: char| !is_name_char(c)).unwrap_or(url.len());
    if name_len == 0 || !url[name_len..].starts_with("://") {
        return None;
    }
    let mut parts = Parts {
        name: &url[..name_len],
        ..Parts::default()
    };
    let rest = &url[name_len + 3..];
    let rest = split_userinfo(rest, &mut parts);
    let rest = split_host_port(rest, &mut parts);
    let rest = match rest.strip_prefix('/') {
        Some(after) => {
            let end = after.find('?').unwrap_or(after.len());
            parts.database = Some(&after[..end]);
            &after[end..]
        }
        None => rest,
    };
    match rest.strip_prefix('?') {
        Some(query) => parts.query = Some(query),
        None => parts.tail = rest,
    }
    Some(parts)
}

/// `(?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?`: the longest user
/// name free of `:` and `/`; with a `:` after it and an `@` later, the
/// password runs to that first `@`; else the user name backs off to its last
/// `@` (and has no password); else there is no user info.
fn split_userinfo<'a>(rest: &'a str, parts: &mut Parts<'a>) -> &'a str {
    let user_end = rest.find([':', '/']).unwrap_or(rest.len());
    if rest[user_end..].starts_with(':')
        && let Some(at) = rest[user_end + 1..].find('@')
    {
        parts.username = Some(&rest[..user_end]);
        parts.password = Some(&rest[user_end + 1..user_end + 1 + at]);
        return &rest[user_end + 1 + at + 1..];
    }
    match rest[..user_end].rfind('@') {
        Some(at) => {
            parts.username = Some(&rest[..at]);
            &rest[at + 1..]
        }
        None => rest,
    }
}

/// `(?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?`.
fn split_host_port<'a>(rest: &'a str, parts: &mut Parts<'a>) -> &'a str {
    let run_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let ipv6 = rest[..run_end].strip_prefix('[').and_then(|inside| {
        inside
            .rfind(']')
            .filter(|&close| close > 0)
            .map(|close| (inside, close))
    });
    let rest = match ipv6 {
        Some((inside, close)) => {
            parts.host = Some(&inside[..close]);
            // `[`, the address, `]`.
            &rest[close + 2..]
        }
        None => {
            let end = rest.find(['/', ':', '?']).unwrap_or(rest.len());
            if end > 0 {
                parts.host = Some(&rest[..end]);
            }
            &rest[end..]
        }
    };
    match rest.strip_prefix(':') {
        Some(after) => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            parts.port = Some(&after[..end]);
            &after[end..]
        }
        None => rest,
    }
}

/// Python's `urllib.parse.unquote`: a `%` not followed by two hex digits
/// stays as it is; the bytes are read as UTF-8, a bad sequence becoming
/// U+FFFD.
pub fn unquote(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `parse_qsl(query)`: pairs split on `&`, a pair without `=` or
/// with an empty value dropped, `+` read as a space, then unquoted.
pub fn parse_qsl(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            (
                unquote(&key.replace('+', " ")),
                unquote(&value.replace('+', " ")),
            )
        })
        .collect()
}

/// What SQLAlchemy's `make_url` makes of `url` (see [`Components`]). Errors
/// where it raises: no `dialect://`, a port that is not a number (here also
/// one above 65535). The error never shows the URL's secrets.
pub fn components(url: &str) -> Result<Components, UrlError> {
    let parts = split(url).ok_or_else(|| {
        fail(
            url,
            "not a database URL (expected `dialect://…`, e.g. `postgresql://user@host/db` or `sqlite:///app.db`)",
        )
    })?;
    let port = match parts.port {
        None => None,
        Some(port) => Some(port.parse::<u16>().map_err(|_| {
            fail(
                url,
                "the port (after the host's `:`) is not a number from 0 to 65535",
            )
        })?),
    };
    Ok(Components {
        drivername: parts.name.to_owned(),
        username: parts.username.map(unquote),
        password: parts.password.map(unquote),
        host: parts.host.map(str::to_owned),
        port,
        database: parts.database.map(unquote),
        query: parts.query.map(parse_qsl).unwrap_or_default(),
    })
}

/// `<masked url>: why`.
fn fail(url: &str, why: &str) -> UrlError {
    UrlError(format!("{}: {why}", mask(url)))
}

/// Where the scheme ends: after `name:` and the slashes that follow it, or
/// 0 when the text does not start with a `name:`.
fn scheme_end(url: &str) -> usize {
    let name_len = url.find(|c: char| !is_name_char(c)).unwrap_or(url.len());
    if name_len == 0 || !url[name_len..].starts_with(':') {
        return 0;
    }
    let after = &url[name_len + 1..];
    name_len + 1 + (after.len() - after.trim_start_matches('/').len())
}

/// The byte ranges [`mask`] hides: everything from the end of the scheme
/// to the last `@`, and the value of every query key that reads as
/// `password` or `passwd` (decoded, any case, `sslpassword` too) up to the
/// next `&`.
fn secret_ranges(url: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let start = scheme_end(url);
    if let Some(at) = url[start..].rfind('@') {
        ranges.push((start, start + at));
    }
    for (i, _) in url.match_indices(['?', '&']) {
        let key_start = i + 1;
        let Some(eq) = url[key_start..].find(['=', '&', '?']) else {
            continue;
        };
        if url.as_bytes()[key_start + eq] != b'=' {
            continue;
        }
        let key = unquote(&url[key_start..key_start + eq].replace('+', " "));
        if is_secret_key(&key) {
            let value_start = key_start + eq + 1;
            let value_end = url[value_start..]
                .find('&')
                .map_or(url.len(), |end| value_start + end);
            ranges.push((value_start, value_end));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// A query key whose value is a password: `password` (any case, `sslpassword`
/// too) or MySQLdb's `passwd`.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_lowercase();
    key.contains("password") || key.contains("passwd")
}

/// `url` with its user info and every password query value replaced by
/// `***` (see the module documentation). Works on any text, a URL or not:
/// it parses nothing, so a URL SQLAlchemy would misread or refuse is masked
/// as surely as a valid one.
pub fn mask(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut at = 0;
    for (from, to) in secret_ranges(url) {
        out.push_str(&url[at..from]);
        out.push_str(MASK);
        at = to;
    }
    out.push_str(&url[at..]);
    out
}

/// The secrets of `url`, decoded and raw, for [`scrub`]: the password
/// SQLAlchemy reads and the `password` query values. (A URL that does not
/// parse only ever appears masked, in messages revguard writes itself.)
/// Pieces shorter than 4 characters are left out: replacing them would
/// garble messages without hiding anything.
pub fn secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(parts) = split(url) {
        if let Some(password) = parts.password {
            found.extend([password.to_owned(), unquote(password)]);
        }
        for (key, value) in parts.query.map(parse_qsl).unwrap_or_default() {
            if is_secret_key(&key) {
                found.push(value);
            }
        }
    }
    found.retain(|s| s.chars().count() >= 4);
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

/// `text` (a driver's message, say) with every secret of `url` replaced by
/// `***`: the last line of defence behind [`mask`].
pub fn scrub(text: &str, url: &str) -> String {
    secrets(url).iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), MASK)
    })
}

/// Parse a database URL the way SQLAlchemy does, then refuse what revguard
/// cannot read safely: a dialect other than PostgreSQL, MySQL/MariaDB and
/// SQLite, text
/// SQLAlchemy would silently drop, and (a server URL) a raw `@` anywhere but
/// at the end of the user info (so a URL has at most one).
pub fn parse(url: &str) -> Result<DbUrl, UrlError> {
    let err = |why: &str| fail(url, why);
    let parts = split(url).ok_or_else(|| {
        err("not a database URL (expected `dialect://…`, e.g. `postgresql://user@host/db` or `sqlite:///app.db`)")
    })?;
    let dialect = parts
        .name
        .split_once('+')
        .map_or(parts.name, |(d, _)| d)
        .to_ascii_lowercase();
    match dialect.as_str() {
        "sqlite" | "postgresql" | "postgres" | "mysql" | "mariadb" => {}
        other => {
            return Err(err(&format!(
                "unsupported database `{other}` (supported: postgresql, mysql, mariadb, sqlite)"
            )));
        }
    }
    if !parts.tail.is_empty() {
        return Err(err(
            "text after the host that is neither `:port`, `/database` nor `?query` (SQLAlchemy would ignore it)",
        ));
    }
    let components = components(url)?;
    if dialect == "sqlite" {
        return parse_sqlite(&components).map_err(|why| err(&why));
    }
    // The user name may hold an `@` for SQLAlchemy (`a@b:pw@host`), and a
    // query value may: either way the URL has two, and a password with an
    // `@` could then stand on either side of the one SQLAlchemy picks.
    let stray_at = [
        parts.username,
        parts.host,
        parts.port,
        parts.database,
        parts.query,
    ]
    .into_iter()
    .flatten()
    .any(|piece| piece.contains('@'));
    if stray_at {
        return Err(err(
            "an `@` that does not end `user:password@` (SQLAlchemy reads the user name up to the first `:` or `/` and the password up to the first `@`): write `@`, `:` and `/` inside a user name, password, database name or query value as `%40`, `%3A` and `%2F`",
        ));
    }
    if dialect == "mysql" || dialect == "mariadb" {
        return parse_mysql(components)
            .map(DbUrl::Mysql)
            .map_err(|why| err(&why));
    }
    parse_pg(components)
        .map(DbUrl::Postgres)
        .map_err(|why| err(&why))
}

/// The query pairs, each key at most once.
fn unique_query(query: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    let mut seen = std::collections::BTreeSet::new();
    for (key, _) in &query {
        if !seen.insert(key.clone()) {
            return Err(format!(
                "the query gives `{key}` more than once (several hosts are not supported)"
            ));
        }
    }
    Ok(query)
}

/// MySQLdb's and PyMySQL's query keys: `unix_socket` (used instead of the
/// host, as the drivers do), `port`, `user`/`passwd`/`password`, `db`/
/// `database`; the rest (TLS, timeouts, `charset`, …) kept for the reader.
fn parse_mysql(url: Components) -> Result<MysqlUrl, String> {
    let mut my = MysqlUrl {
        user: url.username.filter(|u| !u.is_empty()),
        password: url.password,
        host: url.host,
        port: url.port,
        socket: None,
        database: url.database.filter(|d| !d.is_empty()),
        query: BTreeMap::new(),
    };
    for (key, value) in unique_query(url.query)? {
        match key.as_str() {
            "unix_socket" => my.socket = Some(value),
            "port" => {
                my.port = Some(
                    value
                        .parse()
                        .map_err(|_| "the `port` query value is not a number from 0 to 65535")?,
                );
            }
            "user" => my.user = Some(value),
            "password" | "passwd" => my.password = Some(value),
            "db" | "database" => my.database = Some(value),
            _ => {
                my.query.insert(key, value);
            }
        }
    }
    Ok(my)
}

fn parse_sqlite(url: &Components) -> Result<DbUrl, String> {
    if url.username.is_some() || url.password.is_some() || url.host.is_some() || url.port.is_some()
    {
        return Err(
            "a SQLite URL has no user, password, host or port: write `sqlite:///relative.db` or `sqlite:////absolute.db`"
                .into(),
        );
    }
    match url.database.as_deref() {
        None | Some("" | ":memory:") => {
            Err("an in-memory SQLite database has no version table to read".into())
        }
        Some(path) => Ok(DbUrl::Sqlite {
            path: PathBuf::from(path),
        }),
    }
}

fn parse_pg(url: Components) -> Result<PgUrl, String> {
    let mut pg = PgUrl {
        user: url.username.filter(|u| !u.is_empty()),
        password: url.password,
        host: url.host,
        port: url.port,
        database: url.database.filter(|d| !d.is_empty()),
        query: BTreeMap::new(),
    };
    for (key, value) in unique_query(url.query)? {
        match key.as_str() {
            "host" => pg.host = Some(value),
            "port" => {
                pg.port = Some(
                    value
                        .parse()
                        .map_err(|_| "the `port` query value is not a number from 0 to 65535")?,
                );
            }
            "user" => pg.user = Some(value),
            "password" => pg.password = Some(value),
            "dbname" => pg.database = Some(value),
            _ => {
                pg.query.insert(key, value);
            }
        }
    }
    Ok(pg)
}

#[cfg(test)]
mod tests;
