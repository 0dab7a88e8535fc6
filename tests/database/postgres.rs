//! PostgreSQL: `check --database-url` against a throwaway cluster
//! (`support::servers::postgres`: `initdb` + `pg_ctl` on a unix socket, with
//! password authentication so a wrong password is a real refusal).

use std::path::Path;

pub use crate::support::servers::postgres::{Cluster, Listen, PASSWORD};
use crate::{chain, code, revguard, stderr, stdout};

/// A cluster on its socket for one test, or `None` (a loud skip; a failure
/// under `CI`).
fn cluster() -> Option<Cluster> {
    cluster_on(&Listen::Socket)
}

/// [`cluster`], listening as `listen` says.
pub fn cluster_on(listen: &Listen<'_>) -> Option<Cluster> {
    crate::support::servers::postgres::cluster(listen)
}

/// A fresh database named `name` with a version table holding `rows`.
pub fn database(cluster: &Cluster, name: &str, schema: Option<&str>, rows: &[&str]) {
    cluster.sql("postgres", &format!("CREATE DATABASE {name}"));
    let table = match schema {
        Some(s) => {
            cluster.sql(name, &format!("CREATE SCHEMA {s}"));
            format!("{s}.alembic_version")
        }
        None => "alembic_version".to_owned(),
    };
    cluster.sql(
        name,
        &format!("CREATE TABLE {table} (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"),
    );
    for row in rows {
        cluster.sql(name, &format!("INSERT INTO {table} VALUES ('{row}')"));
    }
}

fn check(dir: &Path, url: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--database-url", url];
    args.extend_from_slice(extra);
    args.push(".");
    revguard(dir, &args)
}

#[test]
fn plan_two_rows_unknown_and_unchanged() {
    let Some(pg) = cluster() else { return };
    let pg = &pg;
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    database(pg, "plan", None, &["a"]);
    let stats = |pg: &Cluster| {
        pg.sql(
            "plan",
            "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname = 'alembic_version'",
        )
    };
    let writes = stats(pg);
    let out = check(tmp.path(), &pg.url("plan", PASSWORD), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("from `a` runs 2 migrations, in order: `b`, `c`"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("postgresql+psycopg2://***@/"), "{text}");
    assert_eq!(
        pg.sql(
            "plan",
            "SELECT string_agg(version_num, ',') FROM alembic_version"
        ),
        "a"
    );
    assert_eq!(stats(pg), writes, "revguard wrote to the version table");

    database(pg, "two", Some("ops"), &["b", "c"]);
    let out = check(
        tmp.path(),
        &pg.url("two", PASSWORD),
        &["--version-table-schema", "ops"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the version table has 2 rows"),
        "{}",
        stdout(&out)
    );

    database(pg, "gone", None, &["zz9"]);
    let out = check(tmp.path(), &pg.url("gone", PASSWORD), &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("the database's revision `zz9` is not declared"));

    database(pg, "fresh", None, &[]);
    let out = check(tmp.path(), &pg.url("fresh", PASSWORD), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("a fresh database"));
}

#[test]
fn errors_name_the_url_and_hide_the_password() {
    let Some(pg) = cluster() else { return };
    let pg = &pg;
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let cases = [
        (pg.url("app", "wrong-pw"), "authentication failed"),
        (pg.url("nosuchdb", PASSWORD), "no such database"),
        (
            pg.url("app", PASSWORD),
            "no version table `alembic_version`",
        ),
    ];
    for (url, expected) in cases {
        let out = check(tmp.path(), &url, &[]);
        assert_eq!(code(&out), 2, "{url}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("postgresql+psycopg2://***@/"), "{err}");
        assert!(
            !err.contains(PASSWORD) && !err.contains("wrong-pw"),
            "{err}"
        );
    }
}

/// The container's command line and the Secret-fed env var of the Job.
pub fn job_command() -> (Vec<String>, String) {
    let text =
        std::fs::read_to_string(crate::repo().join("plugin/examples/presync-db-gate/job.yaml"))
            .expect("the PreSync Job example");
    let job: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let mut argv: Vec<String> = container["command"]
        .as_sequence()
        .into_iter()
        .chain(container["args"].as_sequence())
        .flatten()
        .map(|v| v.as_str().expect("string").to_owned())
        .collect();
    assert_eq!(argv.remove(0), "/opt/revguard/revguard");
    let env = container["env"][0]["name"]
        .as_str()
        .expect("env")
        .to_owned();
    (argv, env)
}

#[test]
fn the_plugin_presync_job_command_against_the_real_server() {
    let Some(pg) = cluster() else { return };
    let pg = &pg;
    let (mut argv, env) = job_command();
    assert_eq!(env, "REVGUARD_DATABASE_URL");
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::copy_dir(&crate::repo().join("examples/incident-443"), tmp.path());
    // The image's migrations live at /app; here, in the temporary copy.
    let last = argv.last_mut().expect("a project path");
    assert_eq!(last, "/app");
    *last = ".".into();
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    let run = |database: &str| {
        crate::revguard_env(
            tmp.path(),
            &args,
            &[(env.as_str(), &pg.url(database, PASSWORD))],
        )
    };
    // The incident: the gate fails, so the sync stops.
    database(pg, "incident", None, &["043"]);
    let out = run("incident");
    assert_eq!(
        code(&out),
        1,
        "the gate must stop the sync: {}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("never-runs"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(PASSWORD));
    // After `revguard fix --write`, a database at `043` upgrades cleanly.
    let fix = revguard(tmp.path(), &["fix", "--write", "."]);
    assert_eq!(code(&fix), 0, "{}", stderr(&fix));
    let out = run("incident");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("runs 1 migration"),
        "{}",
        stdout(&out)
    );
    // Unreachable database: exit 2, the sync stops too.
    let out = crate::revguard_env(
        tmp.path(),
        &args,
        &[(
            env.as_str(),
            &pg.url("incident", "x")
                .replace(&pg.socket(), "/nonexistent"),
        )],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn a_password_with_url_delimiters_connects_and_is_never_shown() {
    let Some(pg) = cluster() else { return };
    let pg = &pg;
    // SQLAlchemy reads a raw `/`, `?`, `:` and `#` as part of the password
    // (it ends at the first `@`): so does revguard, against a real server.
    let password = "pa/ss?wo:rd#x%zz";
    database(pg, "odd", None, &["b"]);
    pg.sql(
        "odd",
        &format!(
            "CREATE ROLE odd LOGIN PASSWORD '{password}'; GRANT SELECT ON alembic_version TO odd"
        ),
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    chain(tmp.path(), None);
    let url = format!("postgresql://odd:{password}@/odd?host={}", pg.socket());
    for format in ["human", "json", "sarif"] {
        let out = check(tmp.path(), &url, &["--format", format]);
        assert_eq!(code(&out), 0, "{format}: {}", stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            all.contains("postgresql://***@/odd?host="),
            "{format}: {all}"
        );
        assert!(
            !all.contains("pa/ss") && !all.contains("wo:rd"),
            "{format}: {all}"
        );
    }
    // A wrong password of the same shape: refused by the server, not shown.
    let wrong = url.replace(password, "pa/ss?WRONG:pw");
    let out = check(tmp.path(), &wrong, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("authentication failed"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("WRONG"), "{}", stderr(&out));
}

/// `check --dialect django --database-url postgresql://...`: the applied set
/// is `django_migrations(app, name)`, read-only; an inconsistent row is
/// Django's InconsistentMigrationHistory; a database without the table is
/// an error that names it.
#[test]
fn django_migrations_from_postgres() {
    let Some(pg) = cluster() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::support::fs::copy_dir(
        &crate::support::repo().join("examples/django-leaf-conflict"),
        tmp.path(),
    );
    let django = ["--dialect", "django", "--user-model", "accounts.User"];
    let fixed = revguard(
        tmp.path(),
        &[&["fix"][..], &django, &["--write", "."]].concat(),
    );
    assert_eq!(code(&fixed), 0, "{}", stderr(&fixed));
    pg.sql("postgres", "CREATE DATABASE dj");
    pg.sql(
        "dj",
        "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
    );
    for (app, name) in [
        ("accounts", "0001_initial"),
        ("billing", "0001_initial"),
        ("billing", "0002_invoice_total"),
    ] {
        pg.sql(
            "dj",
            &format!("INSERT INTO django_migrations (app, name) VALUES ('{app}', '{name}')"),
        );
    }
    let url = pg.url("dj", PASSWORD);
    let out = check(
        tmp.path(),
        &url,
        &[&django[..], &["--format", "json"]].concat(),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let plan: Vec<String> = value["loaded"]["plan"]
        .as_array()
        .expect("plan")
        .iter()
        .map(|k| {
            format!(
                "{}.{}",
                k["app"].as_str().unwrap_or(""),
                k["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        !plan.iter().any(|k| k == "billing.0002_invoice_total"),
        "{plan:?}"
    );
    assert!(
        plan.iter().any(|k| k == "billing.0003_invoice_currency"),
        "{plan:?}"
    );
    pg.sql(
        "dj",
        "DELETE FROM django_migrations WHERE name = '0002_invoice_total'",
    );
    pg.sql(
        "dj",
        "INSERT INTO django_migrations (app, name) VALUES ('billing', '0003_invoice_due_date')",
    );
    let out = check(tmp.path(), &url, &django);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("InconsistentMigrationHistory: Migration billing.0003_invoice_due_date is applied before its dependency billing.0002_invoice_total on database 'default'."),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(PASSWORD));
    pg.sql("postgres", "CREATE DATABASE nodj");
    let out = check(tmp.path(), &pg.url("nodj", PASSWORD), &django);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no table `django_migrations`"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(PASSWORD));
}
