//! The deploy-safety lint in the browser (feature `safety`): squawk's rules
//! on what each migration runs, in a module the page fetches only when a
//! project has migrations to lint.
//!
//! - **Alembic**: the translator module (`revguard-web-syntax` with its
//!   `translate` feature: Ruff's parser) translates each `upgrade()` into
//!   the SQL Alembic emits (a [`Plan`]); [`lint_alembic`] lints the plans,
//!   and this module's `check` (the first module's, built in) takes the
//!   results back as `options.lints`, so the `deploy-safety` check reports
//!   them exactly as the CLI's does.
//! - **SQL-file tools**: this module is the SQL module again with the
//!   lint; [`sql_diagnostics`] reads the lint's settings from the project's
//!   files ([`sql_settings`]: the target database from `.env`, Flyway's
//!   configuration or Prisma's `migration_lock.toml`; `.squawk.toml`;
//!   Flyway's `executeInTransaction` and `mixed`), lints the files the tool
//!   runs and builds the CLI's diagnostics
//!   ([`revguard_core::dialect::sql::safety`]).
//!
//! Not read here, unlike the CLI: `[tool.revguard.safety]` and the
//! severity table of `pyproject.toml`/`revguard.toml`, and `--deploy-safety`
//! or `--database-url` (the page has no command line). Alembic's files are
//! linted under the default settings (PostgreSQL, Alembic's transaction
//! around each migration).

use std::collections::BTreeMap;

use revguard_core::dialect::sql::config::{self, join};
use revguard_core::dialect::sql::safety::{Policy, diagnostics, looked_for};
use revguard_core::dialect::sql::{History, Tool, Verdict, locate};
use revguard_core::safety::{Plan, SafetyFacts, SafetySettings, is_postgres, lint_file, lint_plan};
use serde::Deserialize;

use crate::dto::{DiagnosticDto, InputError};
use crate::position::EditorIndex;
use crate::sql::ProjectFile;

/// What [`lint_alembic`] lints: by input file index, the file's text and
/// the translator's plan of it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlembicLintInput {
    /// The files to lint, by input file index.
    pub files: BTreeMap<usize, PlannedFile>,
}

/// One Alembic migration and its plan.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedFile {
    /// The file's text (for `# revguard: ignore[...]` comments).
    pub text: String,
    /// What the translator module's `plans` made of its `upgrade()`.
    pub plan: Plan,
}

/// Lint each planned file under the playground's settings (the defaults):
/// what the first module takes as `options.lints`.
pub fn lint_alembic(input: AlembicLintInput) -> BTreeMap<usize, SafetyFacts> {
    let settings = SafetySettings::default();
    input
        .files
        .into_iter()
        .map(|(index, file)| (index, lint_plan(&file.text, file.plan, &settings)))
        .collect()
}

/// The largest configuration file read, as the CLI reads them.
const MAX_CONFIG_BYTES: usize = 1 << 20;

/// A project file by its path (relative to the project, `./` ignored);
/// `None` when absent or larger than the CLI reads.
fn file<'a>(files: &'a [ProjectFile], path: &str) -> Option<&'a str> {
    files
        .iter()
        .find(|f| f.path.trim_start_matches("./") == path)
        .map(|f| f.text.as_str())
        .filter(|text| text.len() <= MAX_CONFIG_BYTES)
}

/// The lint's settings for a located history, read from the project's
/// files as the CLI reads them from disk; `None` when the lint does not run
/// (the target database is not PostgreSQL). An invalid `.squawk.toml` is
/// an error, as for the CLI.
pub fn sql_settings(
    files: &[ProjectFile],
    found: &locate::Located,
) -> Result<Option<SafetySettings>, InputError> {
    let tool = found.tool;
    let mut settings = SafetySettings {
        sql_tool: Some(tool),
        ..SafetySettings::default()
    };
    let read = |path: &str| file(files, path).map(str::to_owned);
    match config::database(tool, found.dirs.first().map(String::as_str), &read) {
        Some((scheme, _)) => settings.enabled = is_postgres(&scheme),
        None => settings.assumed = Some(looked_for(tool).to_owned()),
    }
    // The first `.squawk.toml` from the (first) migration directory up.
    let mut dir = found.dirs.first().map_or("", String::as_str);
    loop {
        let path = join(dir, ".squawk.toml");
        if let Some(text) = file(files, &path) {
            config::apply_squawk_toml(text, &mut settings)
                .map_err(|err| InputError(format!("{path}: invalid: {err}")))?;
            break;
        }
        match dir.trim_matches('/').rsplit_once('/') {
            Some((parent, _)) => dir = parent,
            None if !matches!(dir, "" | ".") => dir = "",
            None => break,
        }
    }
    if tool == Tool::Flyway {
        config::apply_flyway(&read, &mut settings);
    }
    Ok(settings.enabled.then_some(settings))
}

/// The lint's findings on a judged history, as the CLI reports them (its
/// JSON's `safety`), with editor positions on input indices; empty when
/// the lint does not run. `inputs` maps history files to input files.
pub fn sql_diagnostics(
    files: &[ProjectFile],
    found: &locate::Located,
    history: &History,
    verdict: &Verdict,
    inputs: &[usize],
) -> Result<Vec<DiagnosticDto>, InputError> {
    let Some(settings) = sql_settings(files, found)? else {
        return Ok(Vec::new());
    };
    let texts: Vec<&str> = inputs.iter().map(|&i| files[i].text.as_str()).collect();
    let targets = revguard_core::dialect::sql::lint_targets(history, verdict);
    let lints: Vec<Option<SafetyFacts>> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            targets
                .contains(&i)
                .then(|| lint_file(text, &settings).facts)
                .flatten()
        })
        .collect();
    let policy = Policy {
        settings,
        severity: BTreeMap::new(),
    };
    let indexes: Vec<EditorIndex<'_>> = texts.iter().map(|t| EditorIndex::new(t)).collect();
    Ok(diagnostics(&policy, history, verdict, &lints, &texts)
        .into_iter()
        .map(|d| DiagnosticDto::placed(d, inputs, &indexes))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> ProjectFile {
        ProjectFile {
            path: path.into(),
            text: text.into(),
        }
    }

    fn located(files: &[ProjectFile], tool: Tool) -> locate::Located {
        let list: Vec<(&str, &[u8])> = files
            .iter()
            .map(|f| (f.path.as_str(), f.text.as_bytes()))
            .collect();
        locate::locate(&list, Some(tool)).expect("a history")
    }

    #[test]
    fn settings_come_from_the_project_files() {
        let mut files = vec![
            file("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
            file("migrations/1_a.sql", "CREATE TABLE a (id int);\n"),
        ];
        let found = located(&files, Tool::Sqlx);
        let assumed = sql_settings(&files, &found).unwrap().unwrap();
        assert_eq!(assumed.sql_tool, Some(Tool::Sqlx));
        assert_eq!(assumed.assumed.as_deref(), Some(looked_for(Tool::Sqlx)));
        files.push(file(".env", "DATABASE_URL=mysql://u@h/db\n"));
        assert!(sql_settings(&files, &found).unwrap().is_none());
        files.pop();
        files.push(file(".env", "export DATABASE_URL=\"postgres://u@h/db\"\n"));
        files.push(file(
            ".squawk.toml",
            "excluded_rules = [\"require-lock-timeout\"]\npg_version = \"11\"\n",
        ));
        let given = sql_settings(&files, &found).unwrap().unwrap();
        assert!(given.assumed.is_none());
        assert_eq!(given.excluded_rules, ["require-lock-timeout"]);
        assert_eq!(given.pg_version.as_deref(), Some("11"));
        files.push(file("migrations/.squawk.toml", "excluded_rules = 3\n"));
        let err = sql_settings(&files, &found).unwrap_err();
        assert!(
            err.0.starts_with("migrations/.squawk.toml: invalid"),
            "{err}"
        );
    }

    #[test]
    fn flyway_reads_its_database_and_transaction_settings() {
        let files = vec![
            file(
                "flyway.conf",
                "flyway.url=jdbc:postgresql://db/app\nflyway.executeInTransaction=false\n",
            ),
            file("db/migration/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ];
        let settings = sql_settings(&files, &located(&files, Tool::Flyway))
            .unwrap()
            .unwrap();
        assert!(settings.assumed.is_none());
        assert!(!settings.transactional);
        let files = vec![
            file(
                "flyway.toml",
                "[environments.default]\nurl = \"jdbc:mysql://db/app\"\n",
            ),
            file("db/migration/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ];
        assert!(
            sql_settings(&files, &located(&files, Tool::Flyway))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn alembic_plans_lint_like_the_cli_core() {
        let text = "def upgrade():\n    op.create_index('ix_a', 't', ['a'])\n    op.drop_table('u')  # revguard: ignore[ban-drop-table]\n";
        let call = |needle: &str| {
            let start = text.find(needle).unwrap();
            let end = text[start..].find('\n').unwrap() + start;
            Some(revguard_core::text::Span::new(start, end))
        };
        let emitted = |sql: &str, span| revguard_core::safety::Emitted {
            sql: sql.into(),
            span,
        };
        let plan = Plan {
            statements: vec![
                emitted("CREATE INDEX ix_a ON t (a)", call("op.create_index")),
                emitted("DROP TABLE u", call("op.drop_table")),
            ],
            unchecked: Vec::new(),
        };
        let out = lint_alembic(AlembicLintInput {
            files: BTreeMap::from([(
                3,
                PlannedFile {
                    text: text.into(),
                    plan,
                },
            )]),
        });
        let rules: Vec<&str> = out[&3].findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(
            rules.contains(&"require-concurrent-index-creation"),
            "{rules:?}"
        );
        // Silenced on its line, as in the CLI.
        assert!(!rules.contains(&"ban-drop-table"), "{rules:?}");
    }
}
