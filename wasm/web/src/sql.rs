//! The SQL-file tools (Flyway, golang-migrate, goose, sqlx, dbmate,
//! Prisma) in the browser: a project's files in, the tool's verdict out.
//!
//! The same steps as `revguard check --dialect TOOL`, minus the file
//! system: the history is located in the list of paths
//! ([`revguard_core::dialect::sql::locate`], the CLI's discovery rules),
//! each file is read ([`revguard_core::dialect::sql::read`]: the checksums
//! the tools store, goose's and dbmate's annotations), a `revguard.lock`
//! at the top gives the applied rows, and the core judges the history by
//! the tool's own rules. [`SqlReportDto`] holds the CLI's JSON fields
//! (`dialect`, `directories`, `files`, `applied_from`, `verdict`) with the
//! binding's conventions (explicit `null`s, `notes` always a list) plus
//! what a page needs: the findings as editor diagnostics on the input
//! files, and what the deploy command runs or how it fails.
//!
//! The deploy-safety lint (squawk's rules) is not part of this module: the
//! same code built with the `safety` feature (the lint module, fetched only
//! when [`SqlReportDto::lint_targets`] is not empty) adds its findings
//! (the `safety` module).

use revguard_core as core;
use revguard_core::dialect::sql::{self, History, SqlFile, Tool, locate};
use serde::{Deserialize, Serialize};

use crate::dto::{DiagnosticDto, InputError, LabelDto};
use crate::position::PositionDto;

/// What to check: a project's files.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct SqlInput {
    /// Every file, its path relative to the project directory
    /// (`/`-separated), e.g. `src/main/resources/db/migration/V1__a.sql`,
    /// `revguard.lock`.
    pub files: Vec<ProjectFile>,
    /// The tool (`flyway`, `golang-migrate`, `goose`, `sqlx`, `dbmate`,
    /// `prisma`); absent or `null`: detected from the files.
    #[cfg_attr(feature = "typescript", ts(as = "Option<Tool>"))]
    pub dialect: Option<String>,
}

/// One file of a project, as text.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// Path relative to the project directory, `/`-separated.
    pub path: String,
    /// The file's content.
    pub text: String,
}

/// The tool's verdict: the CLI's JSON for the history, with editor
/// diagnostics.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "SqlReport"))]
pub struct SqlReportDto {
    /// The tool.
    pub dialect: Tool,
    /// Whether the tool was detected (not chosen).
    pub detected: bool,
    /// Whether the history is the top directory's files, taken by their
    /// shape because no project layout around them names the tool (a
    /// dropped migration directory on its own).
    pub loose: bool,
    /// The tool's migration directories (`.` for the top).
    pub directories: Vec<String>,
    /// The history's files, in the tool's order (the verdict's file
    /// indices point here).
    pub files: Vec<String>,
    /// For each of [`files`](Self::files), its index in the input.
    pub inputs: Vec<usize>,
    /// `lock` when a `revguard.lock` for this tool gave the applied rows.
    pub applied_from: Option<String>,
    /// The tool's verdict.
    pub verdict: VerdictDto,
    /// What the tool's deploy command does.
    pub deploy: DeployDto,
    /// The files the deploy-safety lint looks at (those the tool runs
    /// upward), as input indices: the page fetches the lint module only
    /// when there are any.
    pub lint_targets: Vec<usize>,
    /// The deploy-safety lint's findings, as the CLI's JSON `safety`
    /// (also among [`diagnostics`](Self::diagnostics)); empty without the
    /// lint module.
    pub safety: Vec<DiagnosticDto>,
    /// The findings as diagnostics, the tool's then the lint's; label
    /// `file` indices are input indices.
    pub diagnostics: Vec<DiagnosticDto>,
    /// Counts per severity.
    pub summary: core::report::Summary,
}

/// The tool's verdict on the history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "SqlVerdict"))]
pub struct VerdictDto {
    /// The tool.
    pub tool: Tool,
    /// The migrations the tool resolves, in its order.
    pub migrations: Vec<sql::Resolved>,
    /// Findings, errors first in the order the tool meets them.
    pub findings: Vec<FindingDto>,
    /// The tool's own error when its deploy command fails, word for word.
    pub fails: Option<String>,
    /// The files the deploy command runs (indices into the report's
    /// `files`), in order, up to the failure.
    pub runs: Vec<usize>,
    /// Lock entries: version and the checksum the tool stores.
    pub lock: Vec<(String, String)>,
}

/// One finding, in the tool's words.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "SqlFinding"))]
pub struct FindingDto {
    /// The check's name.
    pub check: String,
    /// Its code.
    pub code: String,
    /// How serious it is.
    pub severity: core::Severity,
    /// One sentence.
    pub message: String,
    /// The files it is about (indices into the report's `files`).
    pub files: Vec<usize>,
    /// The tool's own message and other context.
    pub notes: Vec<String>,
    /// How to fix it.
    pub help: Option<String>,
}

/// What the deploy command does.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "SqlDeploy"))]
pub struct DeployDto {
    /// The command, as users type it (`flyway migrate`...).
    pub command: String,
    /// The table the tool records applied migrations in.
    pub history_table: String,
    /// The tool's error when the command fails.
    pub fails: Option<String>,
    /// The paths the command runs, in order.
    pub runs: Vec<String>,
}

fn tool_named(name: &str) -> Result<Tool, InputError> {
    Tool::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
        InputError(format!(
            "unknown dialect '{name}' (expected {})",
            names.join(", ")
        ))
    })
}

/// The SQL tool whose history the files hold, when the project is not an
/// Alembic one (the CLI's order: Alembic first).
pub fn detect(files: &[ProjectFile]) -> Option<Tool> {
    let list: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_bytes()))
        .collect();
    if locate::looks_like_alembic(&list) {
        return None;
    }
    locate::locate(&list, None).map(|found| found.tool)
}

/// Check a project's files as the tool would (see the module docs).
pub fn check_sql(input: &SqlInput) -> Result<SqlReportDto, InputError> {
    let chosen = input.dialect.as_deref().map(tool_named).transpose()?;
    let list: Vec<(&str, &[u8])> = input
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_bytes()))
        .collect();
    let found = locate::locate(&list, chosen).ok_or_else(|| match chosen {
        Some(tool) => InputError(format!(
            "no {} migrations in these files (looked for {}'s project layout, else its file names at the top)",
            tool.name(),
            tool.name()
        )),
        None => InputError(
            "no SQL-tool migrations in these files (looked for flyway.conf/flyway.toml or db/migration, prisma/migrations, migrations/ beside a Cargo.toml using sqlx, `-- migrate:up` files, `<version>_<title>.up.sql` files, `-- +goose Up` files, or a directory of V<version>__<description>.sql or <version>_<description>.sql files)".to_owned(),
        ),
    })?;
    let tool = found.tool;
    let lock = input
        .files
        .iter()
        .find(|f| f.path.trim_start_matches("./") == "revguard.lock")
        .map(|f| {
            locate::parse_lock(&f.text, tool)
                .map_err(|(line, message)| InputError(format!("revguard.lock:{line}: {message}")))
        })
        .transpose()?
        .flatten();
    let files: Vec<SqlFile> = found
        .files
        .iter()
        .map(|(index, name)| SqlFile {
            path: input.files[*index].path.clone(),
            name: name.clone(),
            facts: sql::read(input.files[*index].text.as_bytes()),
        })
        .collect();
    let applied_from = lock.as_ref().map(|_| "lock".to_owned());
    let history = History {
        tool,
        files,
        applied: lock,
        applied_from: applied_from.clone(),
        flyway: found.flyway.clone(),
        strict: false,
    };
    let verdict = sql::judge(&history);
    #[cfg(feature = "safety")]
    let safety = {
        let inputs: Vec<usize> = found.files.iter().map(|(i, _)| *i).collect();
        crate::safety::sql_diagnostics(&input.files, &found, &history, &verdict, &inputs)?
    };
    #[cfg(not(feature = "safety"))]
    let safety = Vec::new();
    Ok(report(
        &history,
        &found,
        verdict,
        chosen.is_none(),
        applied_from,
        safety,
    ))
}

fn report(
    history: &History,
    found: &locate::Located,
    verdict: sql::Verdict,
    detected: bool,
    applied_from: Option<String>,
    safety: Vec<DiagnosticDto>,
) -> SqlReportDto {
    let inputs: Vec<usize> = found.files.iter().map(|(i, _)| *i).collect();
    let paths: Vec<String> = history.files.iter().map(|f| f.path.clone()).collect();
    let lint_targets = sql::lint_targets(history, &verdict)
        .into_iter()
        .filter_map(|f| inputs.get(f).copied())
        .collect();
    let diagnostics: Vec<DiagnosticDto> = verdict
        .findings
        .iter()
        .map(|f| diagnostic(f, &inputs, &paths))
        .chain(safety.iter().cloned())
        .collect();
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let summary = core::report::Summary {
        errors: count(core::Severity::Error),
        warnings: count(core::Severity::Warning),
        infos: count(core::Severity::Info),
    };
    let tool = verdict.tool;
    SqlReportDto {
        dialect: tool,
        detected,
        loose: found.loose,
        directories: found.dirs.clone(),
        deploy: DeployDto {
            command: tool.deploy_command().to_owned(),
            history_table: tool.history_table().to_owned(),
            fails: verdict.fails.clone(),
            runs: verdict.runs.iter().map(|f| paths[*f].clone()).collect(),
        },
        files: paths,
        inputs,
        applied_from,
        verdict: VerdictDto {
            tool,
            migrations: verdict.migrations,
            findings: verdict
                .findings
                .into_iter()
                .map(|f| FindingDto {
                    check: f.check,
                    code: f.code,
                    severity: f.severity,
                    message: f.message,
                    files: f.files,
                    notes: f.notes,
                    help: f.help,
                })
                .collect(),
            fails: verdict.fails,
            runs: verdict.runs,
            lock: verdict.lock,
        },
        lint_targets,
        safety,
        diagnostics,
        summary,
    }
}

/// A finding as a diagnostic: one file-level label per file (at 1:1, as
/// the CLI's), the first primary.
fn diagnostic(finding: &sql::Finding, inputs: &[usize], paths: &[String]) -> DiagnosticDto {
    let start = PositionDto {
        line: 1,
        column: 1,
        column_utf16: 1,
        offset_utf16: 0,
    };
    DiagnosticDto {
        check: finding.check.clone(),
        code: finding.code.clone(),
        severity: finding.severity,
        message: finding.message.clone(),
        labels: finding
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, file)| {
                Some(LabelDto {
                    file: *inputs.get(*file)?,
                    path: paths.get(*file)?.clone(),
                    span: core::Span::new(0, 0),
                    start,
                    end: start,
                    message: String::new(),
                    primary: i == 0,
                })
            })
            .collect(),
        help: finding.help.clone(),
        notes: finding.notes.clone(),
    }
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

    #[test]
    fn a_sqlx_duplicate_is_reported_on_both_files() {
        let input = SqlInput {
            files: vec![
                file("README.md", "# shop\n"),
                file("migrations/1_a.sql", "CREATE TABLE a (id int);\n"),
                file("migrations/2_b.sql", "ALTER TABLE a ADD b int;\n"),
                file("migrations/2_c.sql", "ALTER TABLE a ADD c int;\n"),
            ],
            dialect: None,
        };
        assert_eq!(detect(&input.files), None, "no Cargo.toml: not a project");
        let report = check_sql(&SqlInput {
            dialect: Some("sqlx".into()),
            ..input
        })
        .expect("a history");
        assert_eq!(report.dialect, Tool::Sqlx);
        assert!(!report.detected);
        assert_eq!(report.directories, ["migrations"]);
        assert_eq!(report.inputs, [1, 2, 3]);
        let duplicate = &report.diagnostics[0];
        assert_eq!(duplicate.check, "duplicate-revision");
        let labelled: Vec<usize> = duplicate.labels.iter().map(|l| l.file).collect();
        assert_eq!(labelled, [2, 3]);
        assert_eq!(report.deploy.command, "sqlx migrate run");
        assert!(report.summary.errors >= 1);
    }

    #[test]
    fn bad_input_is_an_error_naming_it() {
        let err = check_sql(&SqlInput {
            files: vec![file("V1__a.sql", "")],
            dialect: Some("liquibase".into()),
        })
        .unwrap_err();
        assert!(err.0.starts_with("unknown dialect 'liquibase'"), "{err}");
        let err = check_sql(&SqlInput {
            files: vec![file("notes.txt", "x")],
            dialect: None,
        })
        .unwrap_err();
        assert!(err.0.starts_with("no SQL-tool migrations"), "{err}");
        let err = check_sql(&SqlInput {
            files: vec![
                file("V1__a.sql", ""),
                file("revguard.lock", "dialect flyway\nbroken\n"),
            ],
            dialect: None,
        })
        .unwrap_err();
        assert_eq!(err.0, "revguard.lock:2: expected `<version> <checksum>`");
    }
}
