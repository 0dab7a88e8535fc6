//! PostgreSQL over TLS: a cluster that accepts TCP only over TLS (`hostssl`)
//! with the throwaway CA's certificate for `localhost`, and a plain-text
//! one. Every `sslmode` that reaches the version table, and each way
//! `verify-full` must fail: a wrong CA, a wrong host name, no TLS at all.

use crate::certs::certs;
use crate::postgres::{Listen, cluster_on, database};
use crate::{chain, code, revguard, stderr, stdout};

#[test]
fn postgres_verified_tls_and_each_way_it_must_fail() {
    let Some(certs) = certs() else { return };
    let Some(pg) = cluster_on(&Listen::Tcp(Some(&certs.server_tls()))) else {
        return;
    };
    let Some(plain) = cluster_on(&Listen::Tcp(None)) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    database(&pg, "tlsapp", None, &["b"]);
    database(&plain, "tlsapp", None, &["b"]);
    let ca = certs.ca().display().to_string();
    let other = certs.other_ca().display().to_string();
    let run = |url: &str| revguard(tmp.path(), &["check", "--database-url", url, "."]);
    for (host, query) in [
        (
            "localhost",
            format!("?sslmode=verify-full&sslrootcert={ca}"),
        ),
        ("127.0.0.1", format!("?sslmode=verify-ca&sslrootcert={ca}")),
        ("127.0.0.1", format!("?sslmode=require&sslrootcert={ca}")),
        ("127.0.0.1", "?sslmode=require".to_owned()),
        ("127.0.0.1", "?sslmode=prefer".to_owned()),
        ("127.0.0.1", "?sslmode=allow".to_owned()),
        ("127.0.0.1", String::new()),
    ] {
        let url = pg.tcp_url(host, "tlsapp", &query);
        let out = run(&url);
        assert_eq!(code(&out), 0, "{url}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("runs 1 migration"),
            "{}",
            stdout(&out)
        );
        assert!(
            stdout(&out).contains("postgresql://***@"),
            "{}",
            stdout(&out)
        );
    }
    let cases = [
        // The server takes TCP only over TLS: plain text is refused.
        (
            pg.tcp_url("127.0.0.1", "tlsapp", "?sslmode=disable"),
            "no encryption",
        ),
        (
            pg.tcp_url(
                "localhost",
                "tlsapp",
                &format!("?sslmode=verify-full&sslrootcert={other}"),
            ),
            "not signed by a CA revguard trusts",
        ),
        (
            pg.tcp_url(
                "127.0.0.1",
                "tlsapp",
                &format!("?sslmode=verify-full&sslrootcert={ca}"),
            ),
            "does not name the host",
        ),
        (
            plain.tcp_url(
                "localhost",
                "tlsapp",
                &format!("?sslmode=verify-full&sslrootcert={ca}"),
            ),
            "the server does not offer TLS, and sslmode=verify-full requires it",
        ),
        (
            pg.tcp_url(
                "localhost",
                "tlsapp",
                "?sslmode=verify-full&sslrootcert=/nonexistent.pem",
            ),
            "`sslrootcert`: cannot read /nonexistent.pem",
        ),
        (
            pg.tcp_url("localhost", "tlsapp", "?sslmode=on"),
            "unknown `sslmode=on`",
        ),
    ];
    for (url, expected) in cases {
        let out = run(&url);
        assert_eq!(code(&out), 2, "{url}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(expected), "{url}: {err}");
        assert!(err.contains("postgresql://***@"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
    // A plain-text server still serves `prefer` (and the default).
    let out = run(&plain.tcp_url("localhost", "tlsapp", "?sslmode=prefer"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
