//! Differential test of the deploy-safety lint against the real thing:
//! generated Alembic projects, real Alembic's offline SQL for each migration
//! (`alembic upgrade <down>:<rev> --sql` for PostgreSQL, via `oracle.py`)
//! piped into real squawk (`squawk-cli` of the same version as the crate),
//! against `revguard check --format json` on the same files: for every
//! migration file, the set of squawk rules that fire must be the same.
//!
//! `REVGUARD_SAFETY_CASES` (default 1200 migrations, in projects of 60),
//! `REVGUARD_SAFETY_SEED` (default fixed), `REVGUARD_SAFETY_KEEP=1` keeps
//! the project directories. Needs the oracle venv's Python with Alembic
//! (`REVGUARD_PYTHON`) and `squawk` (in that venv, the tools venv or on
//! `PATH`); without them it skips loudly, and under `CI` it fails.

mod django;
mod generate;
mod sql_files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use revguard_test_support::generate::Rng;
use revguard_test_support::{cli, fs, tools};

const PER_PROJECT: usize = 60;
const DEFAULT_SEED: u64 = 0x5AFE_D05E_ED00;

type Rules = BTreeMap<String, BTreeSet<String>>;

fn env_usize(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    })
}

fn squawk(python: &Path, test: &str) -> Option<PathBuf> {
    let beside = python
        .parent()
        .map(|bin| bin.join("squawk"))
        .filter(|p| p.is_file());
    let found = beside.or_else(|| tools::find_tool("squawk"));
    let ok = found.as_ref().is_some_and(|path| {
        Command::new(path).arg("--version").output().is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout).trim()
                == format!("squawk {}", revguard_core::safety::SQUAWK_VERSION)
        })
    });
    let why = format!(
        "squawk-cli=={} (`pip install squawk-cli=={}` into the oracle venv; .ci/run does)",
        revguard_core::safety::SQUAWK_VERSION,
        revguard_core::safety::SQUAWK_VERSION
    );
    tools::require("squawk", test, ok, &why).then(|| found.expect("found"))
}

/// A project with `count` generated migrations after an empty base one;
/// returns each migration's file name. Its `env.py` passes Alembic's
/// transaction keywords by `first` (one project in three has no
/// transactional DDL, one in three a transaction per migration).
fn write_project(dir: &Path, rng: &mut Rng, first: usize, count: usize) -> Vec<String> {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(dir.join("alembic.ini"), "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://app@db/app\n").unwrap();
    let keywords = match (first / PER_PROJECT) % 3 {
        0 => "",
        1 => ", transactional_ddl=False",
        _ => ", transaction_per_migration=True",
    };
    std::fs::write(
        dir.join("migrations/env.py"),
        ENV_PY.replace(
            "literal_binds=True",
            &format!("literal_binds=True{keywords}"),
        ),
    )
    .unwrap();
    let base = format!("base{first:05}");
    std::fs::write(
        versions.join(format!("{base}_base.py")),
        generate::migration(&base, "", "    pass\n")
            .replace("down_revision = \"\"", "down_revision = None"),
    )
    .unwrap();
    let mut down = base;
    let mut files = Vec::new();
    for i in first..first + count {
        let rev = format!("r{i:05}");
        let name = format!("{rev}_generated.py");
        std::fs::write(
            versions.join(&name),
            generate::migration(&rev, &down, &generate::upgrade_body(rng)),
        )
        .unwrap();
        files.push(name);
        down = rev;
    }
    files
}

const ENV_PY: &str = "from alembic import context\n\nconfig = context.config\n\n\ndef run_migrations_offline():\n    context.configure(url=config.get_main_option('sqlalchemy.url'), literal_binds=True)\n    with context.begin_transaction():\n        context.run_migrations()\n\n\nif context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    raise SystemExit('offline only')\n";

/// squawk's rules per migration file, from real Alembic and real squawk.
fn oracle(python: &Path, squawk: &Path, dir: &Path) -> Rules {
    let out = dir.join("sql");
    let script = fs::repo().join("tests/safety/oracle.py");
    let run = Command::new(python)
        .arg(&script)
        .arg(dir)
        .arg(&out)
        .output()
        .expect("run oracle.py");
    assert!(
        run.status.success(),
        "oracle.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut rules = Rules::new();
    let mut sql_files = Vec::new();
    for line in String::from_utf8_lossy(&run.stdout).lines() {
        let (rev, file) = line.split_once(' ').expect("`<rev> <file>`");
        rules.insert(file.to_owned(), BTreeSet::new());
        sql_files.push((format!("{rev}.sql"), file.to_owned()));
    }
    let by_sql: BTreeMap<_, _> = sql_files.iter().cloned().collect();
    let lint = Command::new(squawk)
        .current_dir(&out)
        .args(["--reporter", "json"])
        .args(sql_files.iter().map(|(sql, _)| sql))
        .output()
        .expect("run squawk");
    let violations: serde_json::Value = serde_json::from_slice(&lint.stdout).unwrap_or_else(|e| {
        panic!(
            "squawk's JSON: {e}: {}",
            String::from_utf8_lossy(&lint.stderr)
        )
    });
    for v in violations.as_array().expect("a list") {
        let file = v["file"].as_str().expect("file");
        let file = Path::new(file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let rule = v["rule_name"].as_str().expect("rule_name");
        rules
            .get_mut(&by_sql[&file])
            .expect("a known file")
            .insert(rule.to_owned());
    }
    rules
}

/// revguard's safety findings per migration file.
fn revguard(dir: &Path, files: &[String]) -> Rules {
    let output = cli::run(dir, &["check", "--format", "json", "--no-cache"], &[]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "revguard's JSON: {e}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut rules: Rules = files.iter().map(|f| (f.clone(), BTreeSet::new())).collect();
    for d in report["diagnostics"].as_array().expect("diagnostics") {
        let check = d["check"].as_str().unwrap();
        if check == "deploy-safety" || revguard_core::checks::find(check).is_some() {
            continue;
        }
        let path = d["labels"][0]["path"].as_str().unwrap();
        let file = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        rules.entry(file).or_default().insert(check.to_owned());
    }
    rules
}

#[test]
fn against_alembic_and_squawk() {
    let Some(python) = tools::alembic_python("safety::against_alembic_and_squawk") else {
        return;
    };
    let Some(squawk) = squawk(&python, "safety::against_alembic_and_squawk") else {
        return;
    };
    let cases = env_usize("REVGUARD_SAFETY_CASES").unwrap_or(1200) as usize;
    let mut rng = Rng::new(env_usize("REVGUARD_SAFETY_SEED").unwrap_or(DEFAULT_SEED));
    let keep = std::env::var_os("REVGUARD_SAFETY_KEEP").is_some();
    let (mut compared, mut flagged) = (0, 0);
    let mut mismatches = Vec::new();
    let mut first = 0;
    while first < cases {
        let count = PER_PROJECT.min(cases - first);
        let dir = tempfile::tempdir().unwrap();
        let files = write_project(dir.path(), &mut rng, first, count);
        let expected = oracle(&python, &squawk, dir.path());
        let actual = revguard(dir.path(), &files);
        for file in &files {
            let want = expected.get(file).cloned().unwrap_or_default();
            let got = actual.get(file).cloned().unwrap_or_default();
            compared += 1;
            flagged += usize::from(!want.is_empty());
            if want != got {
                let text =
                    std::fs::read_to_string(dir.path().join("migrations/versions").join(file))
                        .unwrap();
                let body = text
                    .split("def upgrade():\n")
                    .nth(1)
                    .unwrap_or("")
                    .split("\n\ndef downgrade")
                    .next()
                    .unwrap_or("");
                mismatches.push(format!(
                    "{file}: squawk {:?}, revguard {:?}\n  only squawk: {:?}\n  only revguard: {:?}\n{body}",
                    want, got,
                    want.difference(&got).collect::<Vec<_>>(),
                    got.difference(&want).collect::<Vec<_>>(),
                ));
            }
        }
        if keep {
            eprintln!("kept {}", dir.keep().display());
        }
        first += count;
    }
    eprintln!(
        "safety differential: {compared} migrations compared, {flagged} flagged by squawk, {} disagreements",
        mismatches.len()
    );
    assert!(compared >= cases, "compared {compared} of {cases}");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} migrations disagree; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The SQL-file tools' lint against real squawk (`sql_files`):
/// `REVGUARD_SAFETY_SQL_CASES` migrations per tool (default 150).
#[test]
fn sql_files_against_squawk() {
    let test = "safety::sql_files_against_squawk";
    let Some(python) = tools::alembic_python(test) else {
        return;
    };
    let Some(squawk) = squawk(&python, test) else {
        return;
    };
    let per_tool = env_usize("REVGUARD_SAFETY_SQL_CASES").unwrap_or(150) as usize;
    let mut rng = Rng::new(env_usize("REVGUARD_SAFETY_SEED").unwrap_or(DEFAULT_SEED));
    let mut tally = sql_files::Tally::default();
    for tool in revguard_core::dialect::sql::Tool::ALL {
        sql_files::compare(&squawk, tool, &mut rng, per_tool, &mut tally);
    }
    let compared = per_tool * revguard_core::dialect::sql::Tool::ALL.len();
    let mismatches = tally.mismatches;
    eprintln!(
        "SQL-file safety differential: {compared} migrations compared, {} flagged by squawk, {} failing deploys, {} disagreements",
        tally.flagged,
        tally.fails,
        mismatches.len()
    );
    assert!(
        tally.flagged > compared / 2 && tally.fails > 0,
        "the generator lost its variety"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} migrations disagree; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Django's Python from the oracle venvs (`REVGUARD_DJANGO_VENVS`, the
/// newest release), with psycopg; `None` (loudly) when absent.
fn django_python(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("REVGUARD_DJANGO_VENVS")
        .map(PathBuf::from)
        .unwrap_or_else(|| fs::repo().join("target/django-venvs"));
    let python = dir.join("latest/bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import django, psycopg"])
        .output()
        .is_ok_and(|o| o.status.success());
    let why = format!(
        "{} does not import django and psycopg (run tests/oracle/setup-django-venvs.sh or set REVGUARD_DJANGO_VENVS)",
        python.display()
    );
    tools::require("Django with psycopg", test, ok, &why).then_some(python)
}

/// Django's lint against real Django's `sqlmigrate` on a real PostgreSQL,
/// piped into real squawk: `REVGUARD_SAFETY_DJANGO_CASES` migrations
/// (default 1000) in projects of 50.
#[test]
fn django_against_sqlmigrate_and_squawk() {
    let test = "safety::django_against_sqlmigrate_and_squawk";
    let Some(alembic) = tools::alembic_python(test) else {
        return;
    };
    let Some(squawk) = squawk(&alembic, test) else {
        return;
    };
    let Some(python) = django_python(test) else {
        return;
    };
    let listen = revguard_test_support::servers::postgres::Listen::Socket;
    let Some(pg) = revguard_test_support::servers::postgres::cluster(&listen) else {
        return;
    };
    let cases = env_usize("REVGUARD_SAFETY_DJANGO_CASES").unwrap_or(1000) as usize;
    let mut rng = Rng::new(env_usize("REVGUARD_SAFETY_SEED").unwrap_or(DEFAULT_SEED));
    let keep = std::env::var_os("REVGUARD_SAFETY_KEEP").is_some();
    let (mut compared, mut flagged, mut mismatches) = (0, 0, Vec::new());
    let mut project = 0;
    while compared < cases {
        let count = django::PER_PROJECT.min(cases - compared);
        let tmp = tempfile::tempdir().unwrap();
        let dir = match keep {
            true => tmp.keep(),
            false => tmp.path().to_owned(),
        };
        if keep {
            eprintln!("keeping {}", dir.display());
        }
        let files = django::write_project(&dir, &mut rng, count);
        project += 1;
        let database = format!("p{project}");
        pg.sql("postgres", &format!("CREATE DATABASE {database}"));
        let expected = django::oracle(&python, &squawk, &pg, &database, &dir);
        let (actual, unchecked) = django::revguard(&dir);
        mismatches.extend(unchecked.into_iter().map(|u| format!("not checked: {u}")));
        for (_, _, path) in &files {
            let want = expected.get(path).cloned().unwrap_or_default();
            let got = actual.get(path).cloned().unwrap_or_default();
            compared += 1;
            flagged += usize::from(!want.is_empty());
            if want != got {
                let text = std::fs::read_to_string(dir.join(path)).unwrap();
                let sql = std::fs::read_to_string(
                    dir.join("sql")
                        .join(path.replace("/migrations/", ".").replace(".py", ".sql")),
                )
                .unwrap_or_default();
                mismatches.push(format!(
                    "{path}: only squawk: {:?}, only revguard: {:?}\n{text}\n{sql}",
                    want.difference(&got).collect::<Vec<_>>(),
                    got.difference(&want).collect::<Vec<_>>(),
                ));
            }
        }
    }
    eprintln!(
        "Django safety differential: {compared} migrations compared, {flagged} flagged by squawk, {} disagreements",
        mismatches.len()
    );
    assert!(flagged > compared / 2, "the generator lost its variety");
    assert!(
        mismatches.is_empty(),
        "{} disagreements over {compared} migrations; the first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(6)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
