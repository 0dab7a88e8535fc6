//! The check step of `generate` and `krm` for a SQL-file tool's project
//! (Flyway, golang-migrate, goose, sqlx, dbmate, Prisma): the tool's
//! discovery, reader and rules (in the sandbox), judged against the
//! project's `revguard.lock` when it has one (the deployed state `revguard
//! lock --dialect TOOL` recorded), and the messages Argo CD shows, in the
//! tool's own words.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};
use revguard_core::Severity;
use revguard_core::dialect::sql::Tool;
use revguard_core::report::Diagnostic;
use revguard_core::safety::Mode;

use super::config::Config;
use super::{Located, clean, display_path, locate, push_errors};
use crate::sql_tools::Checked;

/// Check the `tool` migrations of the project directory `project` (inside
/// `root`) in the configured engine: discovery reads nothing outside
/// `project`, and the lock is read only when its real path is inside
/// `root`. Also returns how many migrations the lock records as applied
/// (`None`: no lock).
pub fn check(
    project: &Path,
    root: &Path,
    tool: Tool,
    deploy_safety: Option<Mode>,
    run: &super::CheckRun,
) -> Result<(Checked, Option<usize>)> {
    let found = crate::sql_tools::find(project, Some(tool))?;
    let policy = safety_policy(project, &found, deploy_safety)?;
    let lock = crate::sql_tools::lock::path(project);
    let applied = match crate::project::confined_file(root, &lock)? {
        Some(_) => crate::sql_tools::lock::read(project, tool)?.map(|rows| (rows, "lock")),
        None => None,
    };
    let applied_count = applied.as_ref().map(|(rows, _)| rows.len());
    let engine = crate::engine::Engine::new(run.engine, run.limits.clone());
    let checked = crate::sql_tools::check(found, &engine, applied, false, policy)?;
    Ok((checked, applied_count))
}

/// The deploy-safety lint of what the migrations run, as `revguard check`
/// lints it (`docs/safety.md`): PostgreSQL named by the tool's own
/// configuration (or assumed), the project's `.squawk.toml` and
/// `[safety]`, the tool's transaction rules; `mode` (the `deploy-safety`
/// setting) wins over the project's `blocking`. `None`: it does not run.
/// The faces have no `--database-url`: the plugin never connects.
fn safety_policy(
    project: &Path,
    found: &crate::sql_tools::Found,
    mode: Option<Mode>,
) -> Result<Option<crate::sql_tools::safety::Policy>> {
    crate::sql_tools::safety::policy(project, found, None, mode)
}

/// Refuse the settings that mean nothing for a SQL-file tool, rather than
/// ignore them: `(name, set, whose)` where `whose` is the dialect the
/// setting belongs to.
pub fn refuse_other_settings(tool: Tool, settings: &[(&str, bool, &str)]) -> Result<()> {
    for (name, set, whose) in settings {
        if !*set {
            continue;
        }
        let hint = if *name == "deployed-revision" {
            format!(
                "; the deployed state of {} migrations is the project's revguard.lock (`revguard lock --dialect {}` after a deploy, committed)",
                tool.name(),
                tool.name()
            )
        } else {
            String::new()
        };
        bail!(
            "the setting {name} is for {whose} projects; this is a {} project (set dialect={} if it is not){hint}",
            tool.name(),
            whose.to_lowercase()
        );
    }
    Ok(())
}

/// Pass (the log line) or fail (the UI message) for the located project.
pub(super) fn verdict(
    config: &Config,
    found: &Located,
    tool: Tool,
    run: &super::CheckRun,
) -> Result<Result<String, String>> {
    refuse_other_settings(
        tool,
        &[
            ("expected-head", config.expected_head.is_some(), "Alembic"),
            ("deployed-revision", config.deployed.is_some(), "Alembic"),
            ("user-model", config.user_model.is_some(), "Django"),
        ],
    )?;
    let (checked, applied) = check(&found.project, &found.root, tool, config.deploy_safety, run)?;
    let where_ = match locate::display(&found.root, &found.project).as_str() {
        "." => "at the repository root".to_string(),
        dir => format!("in {dir}"),
    };
    let diagnostics = checked.diagnostics();
    if checked.has_errors() {
        return Ok(Err(failure_message(&checked, &diagnostics, &where_, found)));
    }
    Ok(Ok(success_message(
        &checked,
        applied,
        &diagnostics,
        &where_,
        found,
    )))
}

/// The stderr of a passing check: what was checked and what the tool will
/// run, then every warning and note (Argo CD writes it to the sidecar log).
fn success_message(
    checked: &Checked,
    applied: Option<usize>,
    diagnostics: &[Diagnostic],
    where_: &str,
    found: &Located,
) -> String {
    let verdict = &checked.verdict;
    let tool = verdict.tool;
    let count = verdict.migrations.len();
    let latest = verdict
        .migrations
        .last()
        .map_or_else(|| "none".to_string(), |m| m.version.clone());
    let names: Vec<&str> = verdict
        .runs
        .iter()
        .filter_map(|f| checked.files.get(*f).map(String::as_str))
        .collect();
    let command = tool.deploy_command();
    let runs = match (applied, names.len()) {
        (None, 0) => format!("`{command}` has nothing to run"),
        (None, n) => format!(
            "`{command}` runs {n} on a new database (no revguard.lock: applied migrations are not compared)"
        ),
        (Some(applied), 0) => {
            format!("against revguard.lock ({applied} applied) `{command}` runs nothing")
        }
        (Some(applied), n) => format!(
            "against revguard.lock ({applied} applied) `{command}` runs {n}: {}",
            names.join(", ")
        ),
    };
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let notes = diagnostics.len() - warnings;
    let mut out = format!(
        "revguard: the {} migrations {where_} are OK: {count} migration{}, latest {latest}; {runs}; {warnings} warning{}, {notes} note{}.",
        tool.name(),
        if count == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" },
    );
    for d in diagnostics {
        let at = d
            .labels
            .iter()
            .find(|l| l.primary)
            .map(|l| {
                format!(
                    " ({})",
                    display_path(&l.path, found.project.as_path(), &found.root)
                )
            })
            .unwrap_or_default();
        let severity = if d.severity == Severity::Warning {
            "warning"
        } else {
            "note"
        };
        let _ = write!(
            out,
            "\n{severity}[{}] {}: {}{at}",
            d.code,
            d.check,
            clean(&d.message)
        );
    }
    clean(&out)
}

/// The short stderr text Argo CD shows as the ComparisonError: each error
/// with its files, the tool's own message and the fix, then how the
/// tool's deploy command fails.
fn failure_message(
    checked: &Checked,
    diagnostics: &[Diagnostic],
    where_: &str,
    found: &Located,
) -> String {
    let tool = checked.verdict.tool;
    // The tools' messages span lines (Flyway's offenders and checksums):
    // indent them under their note.
    let indented: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| Diagnostic {
            notes: d.notes.iter().map(|n| n.replace('\n', "\n    ")).collect(),
            ..d.clone()
        })
        .collect();
    let errors: Vec<&Diagnostic> = indented.iter().collect();
    // Only deploy-safety errors (its `block` policy): the history is fine.
    let unsafe_only = errors
        .iter()
        .all(|d| d.code == revguard_core::checks::CheckId::DeploySafety.info().code);
    let mut out = format!(
        "revguard: the {} migrations {where_} {} ({} error{}); manifests were not generated.",
        tool.name(),
        if unsafe_only {
            "are not deploy-safe"
        } else {
            "are broken"
        },
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    let command = format!("revguard check --dialect {}", tool.name());
    push_errors(&mut out, &errors, found, true, &command);
    // The tool's own error, unless a finding already quotes it.
    let quoted = |fails: &str| {
        fails.lines().filter(|l| !l.trim().is_empty()).any(|line| {
            errors
                .iter()
                .any(|d| d.message.contains(line) || d.notes.iter().any(|n| n.contains(line)))
        })
    };
    if let Some(fails) = checked.verdict.fails.as_deref().filter(|f| !quoted(f)) {
        let _ = write!(
            out,
            "\n`{}` fails: {}",
            tool.deploy_command(),
            clean(&fails.replace('\n', "\n    "))
        );
    }
    let duplicated = errors.iter().any(|d| d.check == "duplicate-revision");
    if duplicated && tool != Tool::Prisma {
        let _ = write!(
            out,
            "\nfix: `revguard fix --dialect {} --write` gives each unapplied copy the next free version (without --write it prints the renames).",
            tool.name()
        );
    }
    out
}
