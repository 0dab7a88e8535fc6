//! Differential suite for the SQL-file tools: sqlx (its own `Migrator`,
//! through the `tests/sqlx-oracle` helper) and dbmate (its released
//! binary) apply generated histories to real SQLite databases, and
//! revguard's prediction, read from the same database, must agree with
//! what the tool did: whether it failed, with which message, and which
//! migrations it applied. The histories grow step by step with the shapes
//! that break deploys: new migrations, duplicated versions, files numbered
//! below the applied ones, edited and deleted applied files, misnamed
//! files.
//!
//! Tools: `REVGUARD_SQLX_ORACLE` (the helper binary) and `REVGUARD_DBMATE`
//! (the dbmate binary), both installed by `.ci/run`. A missing tool skips
//! its test loudly, or fails it when `CI` is set.

mod history_tables;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The tool at `var`, or `None` after saying why (a failure under CI).
fn tool(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(path) if path.is_file() => Some(path),
        other => {
            let why = format!("{var} is {other:?}: not an executable file");
            assert!(
                std::env::var_os("CI").is_none(),
                "{why} (required under CI)"
            );
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

/// revguard's cache for this suite's runs: one compiled guest for all of
/// them (compiling it is most of a cold run); results are keyed by content.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sql-tools-cache")
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How each tool names and writes a migration.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sqlx,
    Dbmate,
}

impl Kind {
    fn dialect(self) -> &'static str {
        match self {
            Kind::Sqlx => "sqlx",
            Kind::Dbmate => "dbmate",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Kind::Sqlx => "_sqlx_migrations",
            Kind::Dbmate => "schema_migrations",
        }
    }

    fn body(self, table: &str) -> String {
        match self {
            Kind::Sqlx => format!("CREATE TABLE {table} (id INTEGER);\n"),
            Kind::Dbmate => {
                format!(
                    "-- migrate:up\nCREATE TABLE {table} (id INTEGER);\n\n-- migrate:down\nDROP TABLE {table};\n"
                )
            }
        }
    }
}

/// One generated project: a directory with its migrations and a database.
struct Project {
    kind: Kind,
    root: PathBuf,
    dir: PathBuf,
    db: PathBuf,
    /// revguard's cache ([`cache_dir`]).
    cache: PathBuf,
    serial: usize,
}

impl Project {
    fn new(kind: Kind, root: &Path, cache: &Path) -> Project {
        let dir = match kind {
            Kind::Sqlx => root.join("migrations"),
            Kind::Dbmate => root.join("db/migrations"),
        };
        std::fs::create_dir_all(&dir).expect("migrations dir");
        if kind == Kind::Sqlx {
            std::fs::write(
                root.join("Cargo.toml"),
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
            )
            .expect("Cargo.toml");
        }
        Project {
            kind,
            root: root.to_path_buf(),
            dir,
            db: root.join("app.db"),
            cache: cache.to_path_buf(),
            serial: 0,
        }
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn versions(&self) -> Vec<u64> {
        self.names()
            .iter()
            .filter_map(|n| n.split('_').next()?.parse().ok())
            .collect()
    }

    fn add(&mut self, version: u64, stray: bool) -> String {
        self.serial += 1;
        let table = format!("t{}", self.serial);
        let name = if stray {
            format!("{version}-{table}.sql")
        } else {
            format!("{version:03}_{table}.sql")
        };
        std::fs::write(self.dir.join(&name), self.kind.body(&table)).expect("write migration");
        name
    }

    /// The applied versions in the tool's table (empty for a fresh database).
    fn applied(&self) -> BTreeSet<String> {
        if !self.db.exists() {
            return BTreeSet::new();
        }
        let conn = rusqlite::Connection::open(&self.db).expect("open db");
        let query = format!("SELECT CAST(version AS TEXT) FROM {}", self.kind.table());
        let Ok(mut statement) = conn.prepare(&query) else {
            return BTreeSet::new();
        };
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .expect("query")
            .flatten()
            .collect()
    }

    /// revguard's verdict on the project against the database.
    fn predict(&self) -> Value {
        let mut command = Command::new(env!("CARGO_BIN_EXE_revguard"));
        command.args([
            "check",
            "--format",
            "json",
            "--dialect",
            self.kind.dialect(),
        ]);
        if self.db.exists() && !self.applied().is_empty() {
            command
                .arg("--database-url")
                .arg(format!("sqlite:///{}", self.db.display()));
        }
        command
            .arg(&self.root)
            .env("REVGUARD_CACHE_DIR", &self.cache);
        command.env_remove("DBMATE_MIGRATIONS_DIR");
        let output = command.output().expect("run revguard");
        assert!(
            output.status.code().is_some_and(|c| c < 2),
            "revguard failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON verdict")
    }

    /// Run the tool; its error message, if it failed.
    fn apply(&self, oracle: &Path) -> Option<String> {
        match self.kind {
            Kind::Sqlx => {
                let output = Command::new(oracle)
                    .arg(&self.dir)
                    .arg(&self.db)
                    .output()
                    .expect("run sqlx-oracle");
                let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                text.strip_prefix("error: ").map(str::to_owned)
            }
            Kind::Dbmate => {
                let output = Command::new(oracle)
                    .arg("--url")
                    .arg(format!("sqlite:{}", self.db.display()))
                    .arg("--migrations-dir")
                    .arg(&self.dir)
                    .args(["--no-dump-schema", "up"])
                    .env_remove("DATABASE_URL")
                    .output()
                    .expect("run dbmate");
                if output.status.success() {
                    return None;
                }
                let text = String::from_utf8_lossy(&output.stderr);
                let last = text.lines().rev().find(|l| l.starts_with("Error: "));
                Some(last.map_or_else(
                    || text.trim().to_owned(),
                    |l| l["Error: ".len()..].to_owned(),
                ))
            }
        }
    }
}

/// One mutation of the history, chosen at random: a new file, a copy of a
/// version (usually applied), a file below the highest version, an edit or
/// deletion of an applied file, a misnamed file, or a new pair sharing one
/// version.
fn mutate(project: &mut Project, rng: &mut Rng, applied: &BTreeSet<String>) -> String {
    let versions = project.versions();
    let max = versions.iter().copied().max().unwrap_or(0);
    let names = project.names();
    let applied_files: Vec<&String> = names
        .iter()
        .filter(|n| {
            n.split('_')
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|v| {
                    applied.contains(&v.to_string()) || applied.contains(&format!("{v:03}"))
                })
        })
        .collect();
    match rng.below(10) {
        0..=3 => format!("add {}", project.add(max + 10, false)),
        4 if !versions.is_empty() => {
            let v = versions[rng.below(versions.len())];
            format!("duplicate {}", project.add(v, false))
        }
        5 if max > 10 => {
            let v = (1..max)
                .rev()
                .find(|v| !versions.contains(v) && v % 10 != 0)
                .unwrap_or(max + 10);
            format!("below {}", project.add(v, false))
        }
        6 if !applied_files.is_empty() => {
            let name = applied_files[rng.below(applied_files.len())].clone();
            let path = project.dir.join(&name);
            let mut text = std::fs::read_to_string(&path).expect("read");
            text.push_str("-- edited\n");
            std::fs::write(&path, text).expect("edit");
            format!("edit {name}")
        }
        7 if !applied_files.is_empty() && rng.below(3) == 0 => {
            let name = applied_files[rng.below(applied_files.len())].clone();
            std::fs::remove_file(project.dir.join(&name)).expect("delete");
            format!("delete {name}")
        }
        8 => format!("stray {}", project.add(max + 10, true)),
        // Now and then, two new files with one version, neither applied yet.
        9 if rng.below(3) == 0 => {
            let first = project.add(max + 10, false);
            format!("add pair {first} and {}", project.add(max + 10, false))
        }
        _ => format!("add {}", project.add(max + 10, false)),
    }
}

/// Run `scenarios` generated histories against the tool; every
/// disagreement is collected, and there must be none.
fn differential(kind: Kind, oracle: &Path, scenarios: u64, steps: usize) {
    let base = tempfile::tempdir().expect("tempdir");
    let mut disagreements = Vec::new();
    let mut failures = 0;
    for seed in 0..scenarios {
        let root = base.path().join(format!("s{seed}"));
        let mut project = Project::new(kind, &root, &cache_dir());
        let mut rng = Rng(seed * 7919 + 17);
        let mut log = Vec::new();
        for _ in 0..steps {
            let before = project.applied();
            log.push(mutate(&mut project, &mut rng, &before));
            let verdict = project.predict();
            let predicted_error = verdict["verdict"]["fails"].as_str().map(str::to_owned);
            let files: Vec<String> = verdict["files"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let predicted_runs: BTreeSet<String> = verdict["verdict"]["runs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| files.get(usize::try_from(i.as_u64()?).ok()?))
                .filter_map(|path| {
                    let name = path.rsplit('/').next()?;
                    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                    Some(match kind {
                        Kind::Sqlx => digits.parse::<i64>().ok()?.to_string(),
                        Kind::Dbmate => digits,
                    })
                })
                .collect();
            let actual_error = project.apply(oracle);
            let after = project.applied();
            let ran: BTreeSet<String> = after.difference(&before).cloned().collect();
            failures += usize::from(actual_error.is_some());
            let runs_agree = actual_error.is_some() || ran == predicted_runs;
            if predicted_error != actual_error || !runs_agree {
                disagreements.push(format!(
                    "seed {seed}, after [{}]:\n  predicted {predicted_error:?}, runs {predicted_runs:?}\n  actual    {actual_error:?}, ran {ran:?}",
                    log.join("; ")
                ));
                break;
            }
            if actual_error.is_some() {
                break; // every later start fails the same way
            }
        }
    }
    eprintln!(
        "{}: {scenarios} histories, {failures} tool failures reproduced, {} disagreements",
        kind.dialect(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        failures > 0,
        "the generator never made the tool fail: it tests nothing"
    );
}

#[test]
fn sqlx_migrator_agrees() {
    let Some(oracle) = tool("REVGUARD_SQLX_ORACLE") else {
        return;
    };
    differential(Kind::Sqlx, &oracle, 40, 8);
}

#[test]
fn dbmate_agrees() {
    let Some(dbmate) = tool("REVGUARD_DBMATE") else {
        return;
    };
    differential(Kind::Dbmate, &dbmate, 40, 8);
}

/// `revguard check` of a bundled example: the output and the exit code.
fn check_example(example: &str, args: &[&str]) -> (String, i32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
        .current_dir(&root)
        .arg("check")
        .args(args)
        .arg(format!("examples/{example}"))
        .env("REVGUARD_CACHE_DIR", cache_dir())
        .env_remove("DBMATE_MIGRATIONS_DIR")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run revguard");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (text, output.status.code().unwrap_or(-1))
}

const EXAMPLES: [&str; 6] = [
    "flyway-duplicate-version",
    "sqlx-duplicate-version",
    "golang-migrate-below-deployed",
    "prisma-edited-migration",
    "goose-missing-migration",
    "dbmate-duplicate-version",
];

#[test]
fn examples_in_the_tools_words() {
    for example in EXAMPLES {
        let (text, code) = check_example(example, &["--color", "never"]);
        let expected = if example.starts_with("prisma") { 0 } else { 1 };
        assert_eq!(code, expected, "{example}:\n{text}");
        insta::assert_snapshot!(example, text);
    }
}

#[test]
fn every_format_and_both_engines_agree() {
    for example in EXAMPLES {
        for format in ["json", "sarif", "github", "gitlab", "junit"] {
            let (wasm, wasm_code) = check_example(example, &["--format", format]);
            let (native, native_code) =
                check_example(example, &["--engine", "native", "--format", format]);
            assert_eq!(wasm, native, "{example} {format}: the engines differ");
            assert_eq!(wasm_code, native_code);
            assert!(
                wasm.contains("duplicate-revision")
                    || wasm.contains("never-runs")
                    || wasm.contains("inserted-below-deployed")
                    || wasm.contains("applied-migration-edited"),
                "{example} {format}: the finding is missing:\n{wasm}"
            );
        }
    }
}

#[test]
fn a_path_without_migrations_is_an_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    std::fs::write(empty.path().join("README.md"), "nothing here\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
        .arg("check")
        .arg(empty.path())
        .env_remove("DBMATE_MIGRATIONS_DIR")
        .output()
        .expect("run revguard");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no migrations found; looked for an Alembic project"),
        "{stderr}"
    );
    // An Alembic versions directory that is empty stays a healthy 0.
    let versions = empty.path().join("versions");
    std::fs::create_dir(&versions).expect("mkdir");
    let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
        .args(["check", "--color", "never"])
        .arg(&versions)
        .output()
        .expect("run revguard");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn lock_then_edit_predicts_the_mismatch_with_the_tools_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("db/migration")).expect("mkdir");
    std::fs::write(
        root.join("flyway.conf"),
        "flyway.locations=filesystem:db/migration\n",
    )
    .expect("conf");
    std::fs::write(
        root.join("db/migration/V1__init.sql"),
        "CREATE TABLE a (id INT);\n",
    )
    .expect("write");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_revguard"))
            .args(args)
            .arg(root)
            .env("REVGUARD_CACHE_DIR", root.join(".cache"))
            .output()
            .expect("run revguard")
    };
    assert_eq!(run(&["lock", "--dialect", "flyway"]).status.code(), Some(0));
    let lock = std::fs::read_to_string(root.join("revguard.lock")).expect("lock");
    // java.util.zip.CRC32 of "CREATE TABLE a (id INT);" as a signed int.
    let crc = crc_of(b"CREATE TABLE a (id INT);");
    assert!(lock.contains(&format!("\n1 {crc}\n")), "{lock}");
    std::fs::write(
        root.join("db/migration/V1__init.sql"),
        "CREATE TABLE a (id BIGINT);\n",
    )
    .expect("edit");
    let output = run(&["check", "--dialect", "flyway", "--color", "never"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let edited = crc_of(b"CREATE TABLE a (id BIGINT);");
    assert!(
        text.contains(&format!(
            "Migration checksum mismatch for migration version 1\n  -> Applied to database : {crc}\n  -> Resolved locally    : {edited}"
        )),
        "{text}"
    );
}

/// CRC32 (IEEE) of `bytes` as Java's signed `int`, bit by bit: an
/// independent implementation of what Flyway stores.
fn crc_of(bytes: &[u8]) -> i32 {
    let mut crc: u32 = 0xffff_ffff;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    (!crc) as i32
}

/// `revguard fix --write` on a history with a duplicated applied version
/// (deployed state from `revguard lock`) and a duplicated new pair: the
/// applied copy keeps its name, the others
/// get the next free versions, and the real tool then applies every file
/// without an error.
fn fix_then_apply(kind: Kind, oracle: &Path) {
    let base = tempfile::tempdir().expect("tempdir");
    let mut project = Project::new(kind, &base.path().join("p"), &cache_dir());
    let applied_name = project.add(10, false);
    assert_eq!(
        project.apply(oracle),
        None,
        "{}: first deploy",
        kind.dialect()
    );
    // The deployed state, as a user records it after a deploy.
    let (root, cache) = (project.root.clone(), project.cache.clone());
    let revguard = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_revguard"))
            .args(args)
            .args(["--dialect", kind.dialect()])
            .arg(&root)
            .env("REVGUARD_CACHE_DIR", &cache)
            .env_remove("DBMATE_MIGRATIONS_DIR")
            .output()
            .expect("run revguard")
    };
    let locked = revguard(&["lock"]);
    assert_eq!(
        locked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&locked.stderr)
    );
    project.add(10, false);
    project.add(20, false);
    project.add(20, false);
    let verdict = project.predict();
    assert!(
        verdict["verdict"]["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["check"] == "duplicate-revision")),
        "{verdict}"
    );
    let fix = |write: bool| revguard(if write { &["fix", "--write"] } else { &["fix"] });
    let before = project.names();
    let dry = fix(false);
    let plan = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert_eq!(
        dry.status.code(),
        Some(1),
        "{plan}{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(project.names(), before, "a dry run renamed files:\n{plan}");
    let written = fix(true);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let names = project.names();
    assert!(
        names.contains(&applied_name),
        "the applied copy was renamed: {names:?}"
    );
    assert_eq!(names.len(), 4, "{names:?}");
    let versions: BTreeSet<u64> = project.versions().into_iter().collect();
    assert_eq!(versions.len(), 4, "still duplicated: {names:?}");
    let verdict = project.predict();
    assert!(verdict["verdict"]["fails"].is_null(), "{verdict}");
    assert_eq!(
        project.apply(oracle),
        None,
        "{}: after the fix",
        kind.dialect()
    );
    assert_eq!(project.applied().len(), 4, "{:?}", project.applied());
}

#[test]
fn fix_renumbers_and_sqlx_applies_everything() {
    let Some(oracle) = tool("REVGUARD_SQLX_ORACLE") else {
        return;
    };
    fix_then_apply(Kind::Sqlx, &oracle);
}

#[test]
fn fix_renumbers_and_dbmate_applies_everything() {
    let Some(dbmate) = tool("REVGUARD_DBMATE") else {
        return;
    };
    fix_then_apply(Kind::Dbmate, &dbmate);
}

/// The deploy-safety lint on a SQL tool's migrations: a concurrent index
/// inside sqlx's transaction fails the deploy (an error in PostgreSQL's
/// words), squawk's findings are warnings, `.squawk.toml` is honoured; the
/// same in every format and both engines.
#[test]
fn safety_example_in_every_format() {
    let example = "sqlx-concurrent-index";
    let (text, code) = check_example(example, &["--color", "never"]);
    assert_eq!(code, 1, "{text}");
    insta::assert_snapshot!(example, text);
    assert!(!text.contains("require-lock-timeout"), "{text}");
    for format in ["json", "sarif", "github", "gitlab", "junit"] {
        let (wasm, wasm_code) = check_example(example, &["--format", format]);
        let (native, native_code) =
            check_example(example, &["--engine", "native", "--format", format]);
        assert_eq!(wasm, native, "{format}: the engines differ");
        assert_eq!((wasm_code, native_code), (1, 1), "{format}");
        assert!(
            wasm.contains("fails-in-transaction") && wasm.contains("adding-required-field"),
            "{format}: a finding is missing:\n{wasm}"
        );
    }
    let (off, code) = check_example(example, &["--deploy-safety", "off", "--color", "never"]);
    assert_eq!(code, 0, "{off}");
    assert!(!off.contains("fails-in-transaction"), "{off}");
    let (block, code) = check_example(example, &["--deploy-safety", "block", "--color", "never"]);
    assert_eq!(code, 1, "{block}");
    assert!(block.contains("error[adding-required-field]"), "{block}");
}

/// The transaction rules behind `fails-in-transaction`, on a real
/// PostgreSQL: real dbmate fails on a concurrent index inside its
/// transaction exactly where revguard says it will, and runs it once the
/// block says `transaction:false`; a file of several statements sent as one
/// query (what golang-migrate and Prisma do) runs in one implicit
/// transaction, a single statement does not.
#[test]
fn concurrent_index_fails_where_revguard_says_on_postgres() {
    let Some(dbmate) = tool("REVGUARD_DBMATE") else {
        return;
    };
    let listen = revguard_test_support::servers::postgres::Listen::Socket;
    let Some(pg) = revguard_test_support::servers::postgres::cluster(&listen) else {
        return;
    };
    pg.sql("postgres", "CREATE DATABASE shop");
    let multi = pg.try_sql(
        "shop",
        "CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY t_a ON t (a)",
    );
    let refused = "CREATE INDEX CONCURRENTLY cannot run inside a transaction block";
    assert!(
        multi.as_ref().is_err_and(|e| e.contains(refused)),
        "{multi:?}"
    );
    pg.sql("shop", "CREATE TABLE t (a int)");
    pg.sql("shop", "CREATE INDEX CONCURRENTLY t_a ON t (a)");
    pg.sql("shop", "DROP TABLE t");

    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("db/migrations");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("1_t.sql"),
        "-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\n",
    )
    .expect("write");
    let url = format!(
        "postgres://postgres:{}@/shop?socket={}&sslmode=disable",
        revguard_test_support::servers::postgres::PASSWORD,
        pg.socket()
    );
    let up = || {
        let output = Command::new(&dbmate)
            .args(["--url", &url, "--migrations-dir"])
            .arg(&dir)
            .args(["--no-dump-schema", "up"])
            .env_remove("DATABASE_URL")
            .output()
            .expect("run dbmate");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let predicts_failure = |root: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
            .args(["check", "--format", "json", "--dialect", "dbmate"])
            .arg(root)
            .env("REVGUARD_CACHE_DIR", cache_dir())
            .env_remove("DBMATE_MIGRATIONS_DIR")
            .output()
            .expect("run revguard");
        let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        report["safety"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["check"] == "fails-in-transaction")
    };
    // Outside dbmate's transaction, a block of several statements is still
    // one query: PostgreSQL's implicit transaction refuses the index too.
    for (up_line, before, fails) in [
        ("-- migrate:up", "", true),
        ("-- migrate:up transaction:false", "SELECT 1;\n", true),
        ("-- migrate:up transaction:false", "", false),
    ] {
        std::fs::write(
            dir.join("2_ix.sql"),
            format!(
                "{up_line}\n{before}CREATE INDEX CONCURRENTLY t_a ON t (a);\n-- migrate:down\n"
            ),
        )
        .expect("write");
        assert_eq!(predicts_failure(root.path()), fails, "{up_line} {before:?}");
        let (ok, stderr) = up();
        assert_eq!(!ok, fails, "{up_line} {before:?}: dbmate: {stderr}");
        if fails {
            assert!(stderr.contains(refused), "{stderr}");
        }
    }
}

/// Every file under `root` (symlinks not followed), as the browser gets a
/// dropped folder: its path relative to `root` and its bytes.
fn dropped(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                let path = entry.path();
                let shown = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy();
                out.push((
                    shown.replace('\\', "/"),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Each tool's layouts: configured, default, nested and file-shaped.
fn discovery_layouts() -> Vec<Vec<(&'static str, &'static str)>> {
    const SQL: &str = "CREATE TABLE a (id int);\n";
    const GOOSE: &str = "-- +goose Up\nCREATE TABLE a (id int);\n";
    const DBMATE: &str = "-- migrate:up\nCREATE TABLE a (id int);\n";
    vec![
        vec![
            (
                "flyway.conf",
                "flyway.locations=filesystem:sql,classpath:db/migration\nflyway.sqlMigrationPrefix=M\n",
            ),
            ("sql/M1__a.sql", SQL),
            ("sql/sub/M2__b.sql", SQL),
            ("src/main/resources/db/migration/M3__c.sql", SQL),
        ],
        vec![
            (
                "flyway.toml",
                "[flyway]\nlocations = [\"filesystem:db/sql\"]\noutOfOrder = true\n",
            ),
            ("db/sql/V1__a.sql", SQL),
        ],
        vec![
            ("src/main/resources/db/migration/V1__a.sql", SQL),
            ("src/main/resources/db/migration/V1_1__b.sql", SQL),
            ("pom.xml", "<project/>\n"),
        ],
        vec![
            ("prisma/migrations/20240101_init/migration.sql", SQL),
            ("prisma/migrations/20240102_b/migration.sql", SQL),
            (
                "prisma/migrations/migration_lock.toml",
                "provider = \"sqlite\"\n",
            ),
            ("prisma/schema.prisma", ""),
        ],
        vec![
            ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
            ("migrations/1_a.up.sql", SQL),
            ("migrations/1_a.down.sql", SQL),
            ("migrations/2_b.sql", SQL),
        ],
        vec![
            (".env", "DBMATE_MIGRATIONS_DIR=sql/migrations\n"),
            ("sql/migrations/20240101_a.sql", DBMATE),
            ("sql/migrations/20240102_b.sql", DBMATE),
        ],
        vec![
            ("db/migrations/1_a.sql", DBMATE),
            ("db/migrations/notes.txt", "x\n"),
        ],
        vec![
            ("services/api/migrations/000001_a.up.sql", SQL),
            ("services/api/migrations/000001_a.down.sql", SQL),
            ("README.md", "x\n"),
        ],
        vec![
            ("internal/db/migrations/00001_a.sql", GOOSE),
            ("internal/db/migrations/00002_b.sql", GOOSE),
            ("go.mod", "module x\n"),
        ],
        vec![("nothing.txt", "x\n")],
    ]
}

/// The browser's discovery (`revguard_core::dialect::sql::locate`, on a
/// list of paths) finds what the CLI's finds on disk: the same tool,
/// directories, files in the same order, and Flyway naming, for each tool's
/// layouts (configured, default and file-shaped) and every bundled example.
#[test]
fn the_browser_discovery_on_paths_matches_the_cli_on_disk() {
    let layouts = discovery_layouts();
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut roots: Vec<PathBuf> = Vec::new();
    for (i, layout) in layouts.iter().enumerate() {
        let root = scratch.path().join(i.to_string());
        for (path, text) in layout {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        roots.push(root);
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for example in [
        "flyway-duplicate-version",
        "sqlx-duplicate-version",
        "golang-migrate-below-deployed",
        "prisma-edited-migration",
        "sqlx-concurrent-index",
    ] {
        roots.push(examples.join(example));
    }
    let compared: usize = roots.iter().map(|root| assert_same_discovery(root)).sum();
    // Every root is found by detection and by its own tool, at least.
    assert!(
        compared >= 2 * (roots.len() - 1),
        "only {compared} histories compared"
    );
}

/// The CLI's discovery on `root` and the browser's on its list of files,
/// for detection and for each tool chosen by name; how many histories both
/// found.
fn assert_same_discovery(root: &Path) -> usize {
    use revguard_core::dialect::sql::{Tool, locate};
    let mut compared = 0;
    for tool in [None].into_iter().chain(Tool::ALL.into_iter().map(Some)) {
        let cli = revguard::sql_tools::discover::discover(root, tool).expect("discover");
        let files = dropped(root);
        let list: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        let browser = locate::locate(&list, tool);
        let what = format!("{} as {tool:?}", root.display());
        match (cli, browser) {
            (None, None) => {}
            // A directory of loose files is the browser's addition.
            (None, Some(found)) => {
                assert!(found.loose, "{what}: only the browser finds {found:?}")
            }
            (Some(cli), Some(found)) => {
                assert_eq!(found.tool, cli.tool, "{what}");
                assert_eq!(found.dirs, cli.dirs, "{what}");
                assert_eq!(found.flyway, cli.flyway, "{what}");
                let cli_files: Vec<(&str, &str)> = cli
                    .files
                    .iter()
                    .map(|(p, n, _)| (p.as_str(), n.as_str()))
                    .collect();
                let found_files: Vec<(&str, &str)> = found
                    .files
                    .iter()
                    .map(|(i, n)| (files[*i].0.as_str(), n.as_str()))
                    .collect();
                assert_eq!(found_files, cli_files, "{what}");
                compared += 1;
            }
            (Some(cli), None) => panic!("{what}: only the CLI finds {:?}", cli.dirs),
        }
    }
    compared
}

/// The migration directory itself is a project: Flyway's `V…` files when
/// no location holds any, Prisma's `migrations` directory.
#[test]
fn the_migration_directory_itself_is_a_project() {
    let root = tempfile::tempdir().expect("tempdir");
    let flyway = root.path().join("db/migration/POSTGRESQL");
    std::fs::create_dir_all(&flyway).expect("mkdir");
    std::fs::write(flyway.join("V1__a.sql"), "SELECT 1;\n").expect("write");
    std::fs::write(flyway.join("V1.0__b.sql"), "SELECT 2;\n").expect("write");
    let prisma = root.path().join("packages/db/migrations");
    std::fs::create_dir_all(prisma.join("20240101000000_init")).expect("mkdir");
    std::fs::write(
        prisma.join("migration_lock.toml"),
        "provider = \"postgresql\"\n",
    )
    .expect("write");
    std::fs::write(
        prisma.join("20240101000000_init/migration.sql"),
        "SELECT 1;\n",
    )
    .expect("write");
    let check = |dialect: &str, dir: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
            .args([
                "check",
                "--format",
                "json",
                "--deploy-safety",
                "off",
                "--dialect",
                dialect,
            ])
            .arg(dir)
            .env("REVGUARD_CACHE_DIR", cache_dir())
            .output()
            .expect("run revguard");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{dialect}: {e}: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code(), report)
    };
    let (code, flyway_report) = check("flyway", &flyway);
    assert_eq!(code, Some(1));
    assert_eq!(
        flyway_report["verdict"]["findings"][0]["check"],
        "duplicate-revision"
    );
    let (code, prisma_report) = check("prisma", &prisma);
    assert_eq!(code, Some(0));
    assert_eq!(
        prisma_report["verdict"]["migrations"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
