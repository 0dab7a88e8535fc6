//! The SQL-file tools' deploy-safety lint against real squawk: generated
//! migrations of every tool (statements that do and do not trip squawk's
//! rules, `-- squawk-ignore` comments, each tool's way of leaving the
//! transaction out), written as the tool lays them out. The oracle is
//! real squawk on each migration's up part alone, with
//! `--assume-in-transaction` exactly when the tool runs that migration in
//! a transaction (the tools' documented rules, restated here from the
//! generator's own choices rather than from revguard's code). revguard must
//! report the same squawk rules on the same file, and `fails-in-transaction`
//! exactly where PostgreSQL (or Flyway) would stop the deploy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use revguard_core::dialect::sql::Tool;
use revguard_test_support::cli;
use revguard_test_support::generate::Rng;

/// (SQL with `{t}`/`{c}`/`{i}` holes, cannot run in a transaction block).
const STATEMENTS: &[(&str, bool)] = &[
    ("CREATE TABLE {t} (id bigint PRIMARY KEY, name text)", false),
    (
        "CREATE TABLE IF NOT EXISTS {t} (id int, created timestamp)",
        false,
    ),
    ("ALTER TABLE {t} ADD COLUMN {c} text", false),
    ("ALTER TABLE {t} ADD COLUMN {c} text NOT NULL", false),
    (
        "ALTER TABLE {t} ADD COLUMN {c} integer DEFAULT 0 NOT NULL",
        false,
    ),
    ("ALTER TABLE {t} ADD COLUMN {c} varchar(20)", false),
    ("ALTER TABLE {t} ADD COLUMN {c} timestamp", false),
    ("ALTER TABLE {t} DROP COLUMN {c}", false),
    ("ALTER TABLE {t} ALTER COLUMN {c} TYPE bigint", false),
    ("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL", false),
    ("ALTER TABLE {t} RENAME COLUMN {c} TO {c}_old", false),
    ("ALTER TABLE {t} RENAME TO {t}_old", false),
    ("CREATE INDEX {i} ON {t} ({c})", false),
    ("CREATE INDEX CONCURRENTLY {i} ON {t} ({c})", true),
    (
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {i} ON {t} ({c})",
        true,
    ),
    ("DROP INDEX CONCURRENTLY IF EXISTS {i}", true),
    ("DROP INDEX {i}", false),
    ("ALTER TABLE {t} ADD CONSTRAINT {i} CHECK ({c} > 0)", false),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {i} CHECK ({c} > 0) NOT VALID",
        false,
    ),
    ("ALTER TABLE {t} VALIDATE CONSTRAINT {i}", false),
    (
        "ALTER TABLE {t} ADD CONSTRAINT {i} FOREIGN KEY ({c}) REFERENCES other (id)",
        false,
    ),
    ("ALTER TABLE {t} ADD CONSTRAINT {i} UNIQUE ({c})", false),
    ("DROP TABLE {t}", false),
    ("SET lock_timeout = '1s'", false),
    ("SET statement_timeout = '5s'", false),
    ("UPDATE {t} SET {c} = 0", false),
    ("INSERT INTO {t} (id) VALUES (1)", false),
    ("VACUUM {t}", true),
    ("VACUUM", true),
    ("DISCARD ALL", true),
];

const IGNORABLE: &[&str] = &[
    "require-concurrent-index-creation",
    "prefer-robust-stmts",
    "ban-drop-column",
    "adding-required-field",
];

/// One generated migration: its up SQL, as squawk sees it alone.
struct Migration {
    file: String,
    up: String,
    wrapped: bool,
    fails: bool,
}

fn statements(rng: &mut Rng, serial: usize) -> (String, usize, bool, bool) {
    let count = rng.range(1, 4);
    let (mut sql, mut non_tx, mut tx) = (String::new(), false, false);
    for k in 0..count {
        let (template, refused) = *rng.pick(STATEMENTS);
        non_tx |= refused;
        tx |= !refused;
        if rng.pct(15) {
            sql.push_str(&format!("-- squawk-ignore {}\n", rng.pick(IGNORABLE)));
        }
        let text = template
            .replace("{t}", &format!("t{}", serial % 5))
            .replace("{c}", &format!("c{}", rng.below(4)))
            .replace("{i}", &format!("ix_{serial}_{k}"));
        sql.push_str(&text);
        // Now and then a stray `;`: an empty statement, which PostgreSQL drops.
        sql.push_str(if rng.pct(5) { ";;\n" } else { ";\n" });
    }
    (sql, count, non_tx, tx)
}

/// Write `count` migrations of `tool` under `root`.
fn write(tool: Tool, root: &Path, rng: &mut Rng, count: usize) -> Vec<Migration> {
    let mut out = Vec::new();
    for n in 1..=count {
        let (up, statements, non_tx, tx) = statements(rng, n);
        let opt_out = rng.pct(30);
        let (file, text, wrapped) = match tool {
            Tool::Sqlx => {
                let marker = if opt_out { "-- no-transaction\n" } else { "" };
                // Opted out, sqlx sends the file as one query: PostgreSQL
                // runs several statements in one implicit transaction.
                (
                    format!("migrations/{n}_m.sql"),
                    format!("{marker}{up}"),
                    !opt_out || statements > 1,
                )
            }
            Tool::Goose => {
                let marker = if opt_out {
                    "-- +goose NO TRANSACTION\n"
                } else {
                    ""
                };
                let text = format!("{marker}-- +goose Up\n{up}\n-- +goose Down\nDROP TABLE t0;\n");
                (format!("migrations/{n:05}_m.sql"), text, !opt_out)
            }
            Tool::Dbmate => {
                let option = if opt_out { " transaction:false" } else { "" };
                let text =
                    format!("-- migrate:up{option}\n{up}\n-- migrate:down\nDROP TABLE t0;\n");
                // Opted out, dbmate sends the block as one query, like sqlx.
                (
                    format!("db/migrations/{}_m.sql", 20_240_000 + n),
                    text,
                    !opt_out || statements > 1,
                )
            }
            Tool::GolangMigrate => {
                let down = root.join(format!("migrations/{n}_m.down.sql"));
                std::fs::create_dir_all(down.parent().unwrap()).unwrap();
                std::fs::write(down, "DROP TABLE t0;\n").unwrap();
                (
                    format!("migrations/{n}_m.up.sql"),
                    up.clone(),
                    statements > 1,
                )
            }
            Tool::Prisma => (
                format!("prisma/migrations/{}_m/migration.sql", 20_240_000 + n),
                up.clone(),
                statements > 1,
            ),
            Tool::Flyway => (format!("db/migration/V{n}__m.sql"), up.clone(), !non_tx),
        };
        let path = root.join(&file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let fails = if tool == Tool::Flyway {
            non_tx && tx
        } else {
            wrapped && non_tx
        };
        out.push(Migration {
            file,
            up,
            wrapped,
            fails,
        });
    }
    if tool == Tool::Prisma {
        std::fs::write(
            root.join("prisma/migrations/migration_lock.toml"),
            "provider = \"postgresql\"\n",
        )
        .unwrap();
    }
    out
}

/// squawk's rules per migration: each up part linted alone, in or out of a
/// transaction as the tool runs it.
fn oracle(
    squawk: &Path,
    dir: &Path,
    migrations: &[Migration],
) -> BTreeMap<String, BTreeSet<String>> {
    let sql = dir.join("squawk-input");
    std::fs::create_dir_all(&sql).unwrap();
    let mut rules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for wrapped in [true, false] {
        let mut names = BTreeMap::new();
        for (i, m) in migrations
            .iter()
            .enumerate()
            .filter(|(_, m)| m.wrapped == wrapped)
        {
            let name = format!("{i}.sql");
            std::fs::write(sql.join(&name), &m.up).unwrap();
            names.insert(name, m.file.clone());
            rules.entry(m.file.clone()).or_default();
        }
        if names.is_empty() {
            continue;
        }
        let mut command = Command::new(squawk);
        command.current_dir(&sql).args(["--reporter", "json"]);
        if wrapped {
            command.arg("--assume-in-transaction");
        }
        let output = command.args(names.keys()).output().expect("run squawk");
        let violations: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "squawk's JSON: {e}: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        for v in violations.as_array().expect("a list") {
            let file = Path::new(v["file"].as_str().expect("file"));
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let rule = v["rule_name"].as_str().expect("rule_name").to_owned();
            rules.get_mut(&names[&name]).expect("known").insert(rule);
        }
    }
    rules
}

/// revguard's squawk rules per file, and the files it says fail.
fn revguard(tool: Tool, dir: &Path) -> (BTreeMap<String, BTreeSet<String>>, BTreeSet<String>) {
    let output = cli::run(
        dir,
        &[
            "check",
            "--format",
            "json",
            "--no-cache",
            "--dialect",
            tool.name(),
            ".",
        ],
        &[],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "revguard's JSON: {e}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let (mut rules, mut fails) = (BTreeMap::new(), BTreeSet::new());
    for d in report["safety"].as_array().into_iter().flatten() {
        let check = d["check"].as_str().unwrap().to_owned();
        let path = d["labels"][0]["path"].as_str().unwrap().to_owned();
        match check.as_str() {
            "fails-in-transaction" => {
                fails.insert(path);
            }
            "deploy-safety" => {}
            _ => {
                rules
                    .entry(path)
                    .or_insert_with(BTreeSet::new)
                    .insert(check);
            }
        }
    }
    (rules, fails)
}

/// What one tool's comparison saw.
#[derive(Default)]
pub struct Tally {
    /// Migrations squawk flagged.
    pub flagged: usize,
    /// Migrations whose deploy fails.
    pub fails: usize,
    /// The disagreements, described.
    pub mismatches: Vec<String>,
}

/// Compare one tool's generated project.
pub fn compare(squawk: &Path, tool: Tool, rng: &mut Rng, count: usize, tally: &mut Tally) {
    let dir = tempfile::tempdir().unwrap();
    let migrations = write(tool, dir.path(), rng, count);
    let expected = oracle(squawk, dir.path(), &migrations);
    let (actual, fails) = revguard(tool, dir.path());
    for m in &migrations {
        let want = expected.get(&m.file).cloned().unwrap_or_default();
        let got = actual.get(&m.file).cloned().unwrap_or_default();
        tally.flagged += usize::from(!want.is_empty());
        tally.fails += usize::from(m.fails);
        if want != got || m.fails != fails.contains(&m.file) {
            tally.mismatches.push(format!(
                "{} {}: squawk {want:?}, revguard {got:?}; fails expected {}, reported {} (in a transaction: {})\n{}",
                tool.name(),
                m.file,
                m.fails,
                fails.contains(&m.file),
                m.wrapped,
                m.up
            ));
        }
    }
}
