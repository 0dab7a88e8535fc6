//! The deploy-safety lint's findings on a SQL-file tool's history, as the
//! report's diagnostics: squawk's rules under their own names (`RG401`),
//! and the statements the deploy stops at (`fails-in-transaction`,
//! `RG402`) in the tool's words. Pure: the CLI (which reads the project's
//! configuration from disk) and the browser's lint module (which reads it
//! from the dropped files) build their diagnostics here, so both report
//! the same findings.

use std::collections::{BTreeMap, BTreeSet};

use super::{Check, History, Tool, Verdict};
use crate::Severity;
use crate::report::{Diagnostic, Label};
use crate::request::SeverityOverride;
use crate::safety::{DOCS_URL, SafetyFacts, SafetySettings, one_line};
use crate::text::{LineIndex, Span};

/// The check all safety findings belong to, and its code.
const CHECK: &str = "deploy-safety";
const CODE: &str = "RG401";

/// How the lint runs for one history, and how its findings count.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The settings the core lints under (naming the tool).
    pub settings: SafetySettings,
    /// Severity overrides by squawk rule, `deploy-safety` or `RG401`
    /// (`[severity]` and `[safety.severity]`).
    pub severity: BTreeMap<String, SeverityOverride>,
}

/// One file's lint, with what its diagnostics need.
pub struct LintedFile<'a> {
    /// The file's index in the report.
    pub file: usize,
    /// Its path.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
    /// What the lint found.
    pub facts: &'a SafetyFacts,
    /// Whether the migration is still to run (not in the applied rows):
    /// only then can it stop the deploy.
    pub pending: bool,
}

/// The lint's findings on the files the tool runs upward
/// ([`super::lint_targets`]), in order: the deploy failures first, then
/// squawk's findings, each in file order. `lints` and `texts` are by the
/// history's file index.
pub fn diagnostics(
    policy: &Policy,
    history: &History,
    verdict: &Verdict,
    lints: &[Option<SafetyFacts>],
    texts: &[&str],
) -> Vec<Diagnostic> {
    // The versions the database (or the lock) says are applied: those
    // migrations do not run again, so they cannot stop the deploy.
    let applied: BTreeSet<&str> = history
        .applied
        .iter()
        .flatten()
        .filter(|row| row.success && !row.rolled_back)
        .map(|row| row.version.as_str())
        .collect();
    let mut out = Vec::new();
    for file in super::lint_targets(history, verdict) {
        let (Some(Some(facts)), Some(sql_file), Some(text)) =
            (lints.get(file), history.files.get(file), texts.get(file))
        else {
            continue;
        };
        let pending = !verdict
            .migrations
            .iter()
            .any(|m| m.file == file && applied.contains(m.version.as_str()));
        let linted = LintedFile {
            file,
            path: &sql_file.path,
            text,
            facts,
            pending,
        };
        policy.file_diagnostics(&linted, &mut out);
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.severity));
    out
}

impl Policy {
    /// The severity of a finding of `rule` (`None`: switched off).
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        let configured = self
            .severity
            .get(rule)
            .or_else(|| self.severity.get(CHECK))
            .or_else(|| self.severity.get(CODE));
        let mut severity = match configured {
            Some(SeverityOverride::Off) => return None,
            Some(SeverityOverride::Level(level)) => *level,
            None => Severity::Warning,
        };
        if self.settings.blocking && severity == Severity::Warning {
            severity = Severity::Error;
        }
        Some(severity)
    }

    /// The findings of one file as diagnostics.
    pub fn file_diagnostics(&self, linted: &LintedFile<'_>, out: &mut Vec<Diagnostic>) {
        let index = LineIndex::new(linted.text);
        let label = |span: Span, message: String| {
            let (start, end) = index.span(span);
            Label {
                file: linted.file,
                path: linted.path.to_owned(),
                span,
                start,
                end,
                message,
                primary: true,
            }
        };
        for finding in &linted.facts.findings {
            let Some(severity) = self.severity(&finding.rule) else {
                continue;
            };
            let mut notes = vec![format!("squawk: {DOCS_URL}{}", finding.rule)];
            if let Some(assumed) = &self.settings.assumed {
                notes.push(format!("PostgreSQL assumed: {assumed}"));
            }
            out.push(Diagnostic {
                check: finding.rule.clone(),
                code: CODE.to_owned(),
                severity,
                message: finding.message.clone(),
                labels: vec![label(
                    finding.span,
                    format!("runs `{}`", one_line(&finding.sql)),
                )],
                help: finding.help.clone(),
                notes,
            });
        }
        self.refused(linted, &label, out);
        if self.severity(CHECK).is_none() {
            return;
        }
        for part in &linted.facts.unchecked {
            out.push(Diagnostic {
                check: CHECK.to_owned(),
                code: CODE.to_owned(),
                severity: Severity::Info,
                message: if part.call.is_empty() {
                    format!(
                        "`{}` not fully checked for deploy safety: {}",
                        linted.path, part.reason
                    )
                } else {
                    format!(
                        "`{}` not checked for deploy safety: {}",
                        part.call, part.reason
                    )
                },
                labels: vec![label(part.span, part.reason.clone())],
                help: None,
                notes: Vec::new(),
            });
        }
    }

    /// The statements the deploy fails on, as errors in the tool's words.
    fn refused(
        &self,
        linted: &LintedFile<'_>,
        label: &dyn Fn(Span, String) -> Label,
        out: &mut Vec<Diagnostic>,
    ) {
        let check = Check::FailsInTransaction;
        let configured = self
            .severity
            .get(check.name())
            .or_else(|| self.severity.get(check.code()));
        let severity = match configured {
            Some(SeverityOverride::Off) => return,
            Some(SeverityOverride::Level(level)) => *level,
            None => Severity::Error,
        };
        if !linted.pending {
            return;
        }
        for refused in &linted.facts.refused {
            let (message, help) = match self.settings.sql_tool {
                // Django: the operation, or the SQL of a RunSQL.
                None => (
                    format!(
                        "`{}` runs `{}` inside the transaction Django runs an atomic migration in, so `manage.py migrate` fails",
                        linted.path, refused.command
                    ),
                    "set `atomic = False` on the migration (and keep the operation in a migration of its own)".to_owned(),
                ),
                Some(Tool::Flyway) => (
                    format!(
                        "`{}` mixes a non-transactional statement (`{}`) with transactional ones, so `{}` refuses it",
                        linted.path,
                        refused.command,
                        Tool::Flyway.deploy_command()
                    ),
                    "move the non-transactional statement into a migration of its own, or set `mixed = true` in Flyway's configuration".to_owned(),
                ),
                Some(tool) => (
                    format!(
                        "`{}` runs `{}` inside {}, so `{}` fails",
                        linted.path,
                        refused.command,
                        transaction(tool),
                        tool.deploy_command()
                    ),
                    no_transaction_help(tool).to_owned(),
                ),
            };
            out.push(Diagnostic {
                check: check.name().to_owned(),
                code: check.code().to_owned(),
                severity,
                message,
                labels: vec![label(refused.span, "the deploy stops here".to_owned())],
                help: Some(help),
                notes: vec![refused.error.clone()],
            });
        }
    }
}

/// Where revguard looks for the database a tool's migrations target, for
/// the "PostgreSQL assumed" note when none is found.
pub fn looked_for(tool: Tool) -> &'static str {
    match tool {
        Tool::Flyway => "no `url` in flyway.conf/flyway.toml and no --database-url",
        Tool::Prisma => "no `provider` in migration_lock.toml and no --database-url",
        Tool::Sqlx | Tool::Dbmate => "no DATABASE_URL in .env and no --database-url",
        Tool::GolangMigrate | Tool::Goose => "no --database-url",
    }
}

/// The transaction a tool runs a migration in, in words.
fn transaction(tool: Tool) -> &'static str {
    match tool {
        Tool::Sqlx => "the transaction sqlx runs each migration in",
        Tool::Goose => "the transaction goose runs each migration in",
        Tool::Dbmate => "the transaction dbmate runs each migration in",
        Tool::GolangMigrate | Tool::Prisma => {
            "the implicit transaction PostgreSQL runs a file of several statements in (the tool sends the file as one query)"
        }
        Tool::Flyway => "a transaction",
    }
}

/// How to run a migration outside a transaction, per tool.
fn no_transaction_help(tool: Tool) -> &'static str {
    match tool {
        Tool::Sqlx => "make `-- no-transaction` the file's first line",
        Tool::Goose => "add the line `-- +goose NO TRANSACTION`",
        Tool::Dbmate => "write the up block's first line as `-- migrate:up transaction:false`",
        Tool::GolangMigrate | Tool::Prisma => {
            "put the statement in a migration of its own: a single statement runs outside a transaction"
        }
        Tool::Flyway => "move the statement into a migration of its own",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_follow_the_configuration_and_the_policy() {
        let mut policy = Policy {
            settings: SafetySettings::default(),
            severity: BTreeMap::new(),
        };
        assert_eq!(policy.severity("ban-drop-column"), Some(Severity::Warning));
        policy.settings.blocking = true;
        assert_eq!(policy.severity("ban-drop-column"), Some(Severity::Error));
        policy
            .severity
            .insert("ban-drop-column".into(), SeverityOverride::Off);
        assert_eq!(policy.severity("ban-drop-column"), None);
        policy.severity.insert(
            "deploy-safety".into(),
            SeverityOverride::Level(Severity::Info),
        );
        assert_eq!(policy.severity("prefer-text-field"), Some(Severity::Info));
    }
}
