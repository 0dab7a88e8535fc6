//! Database URLs: split exactly where SQLAlchemy's `make_url` splits them
//! (differential, against the oracle venv's SQLAlchemy), and a password
//! that never reaches any message, whatever its characters and whatever the
//! shape of the URL around it (the attacks, then a property test).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use revguard::database::url::{self, Components};
use serde_json::Value;

use crate::{chain, code, revguard, stderr, stdout, support};

/// URLs with `/`, `?`, `@`, `:` and `%xx` in passwords, IPv6 hosts, no
/// password, no host, unix-socket queries, and URLs SQLAlchemy refuses.
const TABLE: &[&str] = &[
    "postgresql://app:s3/cr3t@host:1/app",
    "postgresql://app:s3?cr3t@host/app",
    "postgresql://app:s3:cr3t@host/app",
    "postgresql://app:s3#cr3t@host/app",
    "postgresql://app:/?:#x@host:5432/app?sslmode=disable",
    "postgresql://app:p%40ss%2Fw%3Ad@db.internal:6432/orders",
    "postgresql://app:p@ss@host/app",
    "postgresql://a@b:c@d/x",
    "postgresql://a@b@h:5432/db",
    "postgresql://h:5432/db?email=a@b",
    "postgresql+psycopg2://app:pw@[::1]:5433/app",
    "postgresql://app:pw@[2001:db8::1]/app?sslmode=disable",
    "postgresql://[::1]/app",
    "postgresql://[::1]x/db",
    "postgresql://app@db/app",
    "postgresql://app:@db/app",
    "postgresql://:secret@db/app",
    "postgresql:///app?host=/run/postgresql",
    "postgresql://app@/app?host=/var/run/postgresql&port=5433",
    "postgresql://app:pw@/app?host=%2Ftmp%2Fsock&sslmode=disable&a=1&a=2&b&c=",
    "postgresql://app:p+w@h/d?x=a+b&y=%2B",
    "postgresql://app:pw@host/db#frag",
    "postgresql://us%2Fer:p%zzw%4@host/db",
    "postgresql://app:p%C3%A9%C3ss@h%C3%B8st/d%C3%9F",
    "postgresql://db:5432",
    "postgresql://",
    "postgres://u:pw@h/d",
    "mysql+pymysql://root:pw@db/app",
    "sqlite:///rel.db",
    "sqlite:////abs/a.db",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///a%20b.db",
    "sqlite:///x.db?mode=ro&uri=true",
    "postgresql://h:notaport/db",
    "postgresql://h:/db",
    "postgresql:/app:pw@host/app",
    "app:pw@host/app",
    "",
];

/// What the oracle's `make_url` returns for each URL, as JSON.
const ORACLE: &str = r#"
import json, sys
from sqlalchemy.engine import make_url
out = []
for text in json.load(sys.stdin):
    try:
        u = make_url(text)
    except Exception as e:
        out.append({"error": type(e).__name__})
        continue
    query = []
    for key, value in u.query.items():
        for one in (value if isinstance(value, tuple) else (value,)):
            query.append([key, one])
    out.append({"drivername": u.drivername, "username": u.username,
                "password": u.password, "host": u.host, "port": u.port,
                "database": u.database, "query": sorted(query)})
print(json.dumps(out))
"#;

fn oracle(python: &Path, urls: &[&str]) -> Vec<Value> {
    let mut child = Command::new(python)
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the oracle Python");
    let input = serde_json::to_vec(urls).expect("JSON");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &input).expect("write");
    let out = child.wait_with_output().expect("oracle");
    assert!(out.status.success(), "the oracle failed");
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// Our components in the oracle's JSON shape.
fn as_json(c: &Components) -> Value {
    let mut query: Vec<[&str; 2]> = c
        .query
        .iter()
        .map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    query.sort_unstable();
    serde_json::json!({
        "drivername": c.drivername, "username": c.username, "password": c.password,
        "host": c.host, "port": c.port, "database": c.database, "query": query,
    })
}

#[test]
fn urls_split_exactly_as_sqlalchemy_splits_them() {
    let Some(python) = support::tools::alembic_python("URL differential against SQLAlchemy") else {
        return;
    };
    let expected = oracle(&python, TABLE);
    let mut agreed = 0;
    for (text, want) in TABLE.iter().zip(&expected) {
        match url::components(text) {
            Ok(ours) => assert_eq!(&as_json(&ours), want, "{text:?}"),
            Err(e) => assert!(
                want.get("error").is_some(),
                "{text:?}: we refuse ({e}), SQLAlchemy reads {want}"
            ),
        }
        // The mask hides whatever SQLAlchemy reads as the password.
        if let Some(password) = want["password"].as_str().filter(|p| p.len() >= 4) {
            assert!(!url::mask(text).contains(password), "{text:?}");
        }
        agreed += 1;
    }
    assert_eq!(agreed, TABLE.len());
    // The table covers both outcomes.
    assert!(expected.iter().filter(|v| v.get("error").is_some()).count() >= 4);
}

fn check_url(dir: &Path, url: &str, format: &str) -> Output {
    revguard(
        dir,
        &[
            "check",
            "--engine",
            "native",
            "--format",
            format,
            "--database-timeout",
            "2",
            "--database-url",
            url,
            ".",
        ],
    )
}

#[test]
fn attack_urls_never_print_the_password() {
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    for url in [
        "postgresql://app:s3/cr3t@127.0.0.1:1/app",
        "postgresql://app:s3?cr3t@127.0.0.1:1/app",
        "postgresql://app:s3/cr3t@host:1/app?port=x",
        "postgresql://app:s3@cr3t@127.0.0.1:1/app",
        "postgresql:/app:s3/cr3t@127.0.0.1:1/app",
        "postgresql:app:s3/cr3t@127.0.0.1:1/app",
        "app:s3/cr3t@127.0.0.1:1/app",
        "//app:s3/cr3t@127.0.0.1:1/app",
        "oracle://app:s3/cr3t@127.0.0.1:1/app",
        "postgresql://app@127.0.0.1:1/app?password=s3/cr3t",
        // Found by the property test: for SQLAlchemy the user is
        // `app@127.0.0.1`, the password runs into the query, the host is `cr3t`.
        "postgresql://app@127.0.0.1:1/app?password=/s3@cr3t/",
    ] {
        for format in ["human", "json", "sarif"] {
            let out = check_url(tmp.path(), url, format);
            assert_eq!(code(&out), 2, "{url}: {}", stderr(&out));
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!all.contains("s3") && !all.contains("cr3t"), "{url}: {all}");
            assert!(all.contains("***"), "{url}: {all}");
        }
    }
}

#[test]
fn from_config_urls_never_print_the_password() {
    for (ini_url, expected) in [
        (
            "postgresql://app:s3/cr3t@127.0.0.1:1/app",
            "postgresql://***@127.0.0.1:1/app",
        ),
        (
            "postgresql:/app:s3/cr3t@127.0.0.1:1/app",
            "postgresql:/***@127.0.0.1:1/app",
        ),
        ("app:s3/cr3t@127.0.0.1:1/app", "app:***@127.0.0.1:1/app"),
        // A `%` configparser cannot interpolate: its own message would quote the value.
        (
            "postgresql://app:s3%40cr3t@127.0.0.1:1/app",
            "cannot be interpolated",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        chain(tmp.path(), Some(ini_url));
        let out = check_url(tmp.path(), "from-config", "human");
        assert_eq!(code(&out), 2, "{ini_url}: {}", stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("s3") && !all.contains("cr3t"), "{all}");
        assert!(all.contains(expected), "{ini_url}: {all}");
    }
}

/// A password: words of 6 to 8 letters (what a leak would show) between
/// the characters that cut URLs.
fn password(allow_amp: bool) -> impl Strategy<Value = (String, Vec<String>)> {
    let special = prop::sample::select(vec![
        "@", "/", "?", "#", ":", "%", "%4", "%40", "%zz", "=", "+", "[", "]", " ", "&", "//", "@@",
    ]);
    (
        prop::collection::vec("[a-z]{6,8}", 1..4),
        prop::collection::vec(special, 0..5),
    )
        .prop_map(move |(words, specials)| {
            let mut text = String::new();
            for (i, word) in words.iter().enumerate() {
                if let Some(s) = specials.get(i).filter(|s| allow_amp || !s.contains('&')) {
                    text.push_str(s);
                }
                text.push_str(word);
            }
            if let Some(s) = specials.last().filter(|s| allow_amp || !s.contains('&')) {
                text.push_str(s);
            }
            (text, words)
        })
}

/// URL shapes, valid or not, around a password.
const SHAPES: &[&str] = &[
    "postgresql://app:{pw}@127.0.0.1:1/app",
    "postgresql+psycopg2://app:{pw}@[::1]:1/app?sslmode=disable",
    "postgresql://:{pw}@/app?host=/nonexistent-socket-dir",
    "postgresql://app:{pw}@127.0.0.1:notaport/app",
    "postgresql://app:{pw}@127.0.0.1:1/app?sslmode=require",
    "postgresql:/app:{pw}@127.0.0.1:1/app",
    "app:{pw}@127.0.0.1:1/app",
    "mysql+pymysql://root:{pw}@db/app",
    "not a url://app:{pw}@db/app",
    "sqlite://app:{pw}@/x.db",
];

proptest! {
    // Failing cases are kept beside this file and replayed first.
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/database/urls.proptest-regressions"
        )))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_message_shows_any_part_of_the_password(
        (pw, words) in password(true),
        shape in 0..SHAPES.len() + 1,
    ) {
        let tmp = tempfile::tempdir().expect("tempdir");
        chain(tmp.path(), None);
        let url = match SHAPES.get(shape) {
            Some(shape) => shape.replace("{pw}", &pw),
            // A query password: `&` ends a query value, so it cannot hold one.
            None => format!("postgresql://app@127.0.0.1:1/app?sslmode=disable&password={}", pw.replace('&', "")),
        };
        let out = check_url(tmp.path(), &url, "human");
        prop_assert_eq!(code(&out), 2, "{}: {}", url, stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        for word in &words {
            prop_assert!(!all.contains(word.as_str()), "{} leaks {}: {}", url, word, all);
        }
        prop_assert!(!all.contains(&pw));
        // The library's mask and scrub agree with what the binary printed.
        let masked = url::mask(&url);
        prop_assert!(words.iter().all(|w| !masked.contains(w.as_str())), "{}", masked);
    }
}
