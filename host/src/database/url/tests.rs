//! The URL reader and the mask, on the forms users write and the attacks
//! that printed passwords. `tests/database/urls.rs` holds the differential
//! test against SQLAlchemy and the property test.

use super::*;

fn pg(url: &str) -> PgUrl {
    match parse(url) {
        Ok(DbUrl::Postgres(pg)) => pg,
        other => panic!("{url}: {other:?}"),
    }
}

#[test]
fn masks_everything_between_the_scheme_and_the_host() {
    for (url, shown) in [
        (
            "postgresql+psycopg2://app:s3cr%40t@db:5432/app",
            "postgresql+psycopg2://***@db:5432/app",
        ),
        ("postgresql://app@db/app", "postgresql://***@db/app"),
        ("postgresql://db/app", "postgresql://db/app"),
        (
            "postgresql://u:p@x@h/d?password=zz&sslmode=require",
            "postgresql://***@h/d?password=***&sslmode=require",
        ),
        (
            "postgresql://app:s3/cr3t@host:1/app",
            "postgresql://***@host:1/app",
        ),
        ("postgresql:/app:pw@host/app", "postgresql:/***@host/app"),
        ("app:pw@host/app", "app:***@host/app"),
        (":pw@host/app", "***@host/app"),
        ("pw@host", "***@host"),
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
        ("garbage:pw@", "garbage:***@"),
        (
            "postgresql://h/d?Pass%77ord=zz",
            "postgresql://h/d?Pass%77ord=***",
        ),
        (
            "postgresql://h/d?sslpassword=a@b&x=1",
            "postgresql://***&x=1",
        ),
    ] {
        assert_eq!(mask(url), shown, "{url}");
    }
}

#[test]
fn a_password_holding_a_query_holds_its_tail_too() {
    // The value of `password=` runs to the next `&`, through any `@`.
    let shown = mask("postgresql://h/db?password=a@bcdefg");
    assert_eq!(shown, "postgresql://***");
    let shown = mask("postgresql://u:p?password=xyz@h/db");
    assert_eq!(shown, "postgresql://***");
}

#[test]
fn splits_where_sqlalchemy_splits() {
    let p = split("postgresql://app:s3/cr3t@host:1/app").expect("matches");
    assert_eq!(
        (p.username, p.password, p.host, p.port, p.database),
        (
            Some("app"),
            Some("s3/cr3t"),
            Some("host"),
            Some("1"),
            Some("app")
        )
    );
    // The user name backs off to its last `@` when no password follows.
    let p = split("postgresql://a@b@h:5432/db").expect("matches");
    assert_eq!(
        (p.username, p.password, p.host),
        (Some("a@b"), None, Some("h"))
    );
    // Without a later `@`, a `:` is the port's.
    let p = split("postgresql://h:5432/db?x=1").expect("matches");
    assert_eq!(
        (p.username, p.host, p.port, p.query),
        (None, Some("h"), Some("5432"), Some("x=1"))
    );
    let p = split("postgresql://[::1]:5433/x").expect("matches");
    assert_eq!((p.host, p.port), (Some("::1"), Some("5433")));
    let p = split("postgresql://[::1]x/db").expect("matches");
    assert_eq!((p.host, p.database, p.tail), (Some("::1"), None, "x/db"));
    assert_eq!(split("postgresql:/app:pw@h/db"), None);
    assert_eq!(split("app:pw@h/db"), None);
}

#[test]
fn decodes_like_python() {
    assert_eq!(unquote("p%40ss%zz%4"), "p@ss%zz%4");
    assert_eq!(unquote("%C3%A9%C3"), "é\u{fffd}");
    assert_eq!(
        parse_qsl("a=1&b&c=&d=x+y%2B&a=2"),
        [("a", "1"), ("d", "x y+"), ("a", "2")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
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
    let p = pg("postgresql://app:s3/cr3t?x:y@host:1/app");
    assert_eq!(p.password.as_deref(), Some("s3/cr3t?x:y"));
    assert_eq!((p.host.as_deref(), p.port), (Some("host"), Some(1)));
    let socket = pg("postgresql://app@/orders?host=/run/pg&sslmode=disable");
    assert_eq!(socket.host.as_deref(), Some("/run/pg"));
    assert_eq!(
        socket.query.get("sslmode").map(String::as_str),
        Some("disable")
    );
    let v6 = pg("postgresql://[::1]:5433/x");
    assert_eq!((v6.host.as_deref(), v6.port), (Some("::1"), Some(5433)));
    assert!(parse("postgresql://h:notaport/x").is_err());
    assert!(parse("postgresql://h:/x").is_err());
    assert!(parse("postgresql://[::1]x/db").is_err());
    assert!(parse("postgresql://h/d?host=/a&host=/b").is_err());
}

#[test]
fn sqlite_forms() {
    let path = |url: &str| match parse(url) {
        Ok(DbUrl::Sqlite { path }) => path,
        other => panic!("{url}: {other:?}"),
    };
    assert_eq!(path("sqlite:///rel.db"), PathBuf::from("rel.db"));
    assert_eq!(path("sqlite:////abs/a.db"), PathBuf::from("/abs/a.db"));
    assert_eq!(path("sqlite:///a%20b.db"), PathBuf::from("a b.db"));
    assert_eq!(
        path("sqlite+pysqlite:///x/y.db?mode=ro"),
        PathBuf::from("x/y.db")
    );
    assert!(parse("sqlite://").is_err());
    assert!(parse("sqlite:///:memory:").is_err());
    assert!(parse("sqlite://host/x.db").is_err());
}

#[test]
fn errors_never_show_the_password() {
    for url in [
        "mysql+pymysql://root:hunter2@db:99999/app",
        "mariadb://root:hunter2@db/app?port=x",
        "mysql://root:hun@ter2@db/app",
        "oracle://root:hunter2@db/app",
        "postgresql://root:hunter2@db:99999/app",
        "postgresql://root:hunter2@db/app?port=x",
        "postgresql://root:hun@ter2@db/app",
        "postgresql://root:hunter2/x@db:1:2/app",
        "postgresql:/root:hunter2@db/app",
        "root:hunter2@db/app",
        "sqlite://root:hunter2@/app.db",
        // The user name `app@127.0.0.1` for SQLAlchemy, its password the
        // text up to the `@` inside the query's password, its host the rest.
        "postgresql://app@127.0.0.1:1/app?password=/hunter2@hunter2/",
    ] {
        let err = parse(url).unwrap_err().to_string();
        assert!(!err.contains("hunter2") && !err.contains("ter2"), "{err}");
        assert!(err.contains(MASK), "{err}");
    }
}

#[test]
fn scrub_hides_decoded_and_raw_passwords() {
    let url = "postgresql://app:p%40ss/w0rd@h/d?password=qu%2Bery";
    let text = "driver said: p@ss/w0rd, p%40ss/w0rd and qu+ery";
    assert_eq!(scrub(text, url), "driver said: ***, *** and ***");
}

#[test]
fn scrub_leaves_text_alone_when_there_is_no_password() {
    // The masked text of a SQLite path with an `@` is no secret: a message
    // about it keeps its words.
    let text = "no version table: is this the right database?";
    assert_eq!(scrub(text, "sqlite:///data@2024/app.db"), text);
    assert_eq!(
        mask("sqlite:///data@2024/app.db"),
        "sqlite:///***@2024/app.db"
    );
}

fn my(url: &str) -> MysqlUrl {
    match parse(url) {
        Ok(DbUrl::Mysql(my)) => my,
        other => panic!("{url}: {other:?}"),
    }
}

#[test]
fn mysql_and_mariadb_urls_of_every_driver() {
    for scheme in [
        "mysql",
        "mysql+pymysql",
        "mysql+mysqldb",
        "mysql+aiomysql",
        "mariadb",
        "mariadb+mariadbconnector",
    ] {
        let tcp = my(&format!(
            "{scheme}://app:p%40ss@db.internal:3307/orders?charset=utf8mb4&ssl_ca=/ca.pem"
        ));
        assert_eq!(tcp.user.as_deref(), Some("app"));
        assert_eq!(tcp.password.as_deref(), Some("p@ss"));
        assert_eq!(tcp.host.as_deref(), Some("db.internal"));
        assert_eq!(tcp.port, Some(3307));
        assert_eq!(tcp.socket, None);
        assert_eq!(tcp.database.as_deref(), Some("orders"));
        assert_eq!(tcp.query.get("ssl_ca").map(String::as_str), Some("/ca.pem"));
    }
    let socket = my("mysql+mysqldb://app@localhost/orders?unix_socket=/run/mysqld/mysqld.sock");
    assert_eq!(socket.socket.as_deref(), Some("/run/mysqld/mysqld.sock"));
    assert!(socket.password.is_none());
    let aliases = my("mysql://h/?db=orders&user=app&passwd=pw&port=3308");
    assert_eq!(aliases.database.as_deref(), Some("orders"));
    assert_eq!(aliases.user.as_deref(), Some("app"));
    assert_eq!(aliases.password.as_deref(), Some("pw"));
    assert_eq!(aliases.port, Some(3308));
    assert!(parse("mysql://h/db?unix_socket=/a&unix_socket=/b").is_err());
}

#[test]
fn a_passwd_query_value_is_masked_and_scrubbed() {
    let url = "mysql://app@h/db?passwd=hunter2&ssl=true";
    assert_eq!(mask(url), "mysql://***@h/db?passwd=***&ssl=true");
    assert_eq!(scrub("said hunter2", url), "said ***");
}
